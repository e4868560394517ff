/**
 * Shared plumbing for every subcommand: exit codes and error reporting.
 *
 * Exit codes (docs/cli.md): 0 success, 1 the operation failed, 2 usage or
 * configuration error, 3 link unavailable or peer not answering, 130/143
 * stopped by Ctrl-C/SIGTERM.
 */
import type { HilbridgeError } from '../errors.js';
import { InterruptedError, LinkError, UsageError, asHilbridgeError } from '../errors.js';

export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Link: 3,
  Interrupted: 130,
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.Usage;
  if (err instanceof LinkError) return ExitCode.Link;
  if (err instanceof InterruptedError) return err.signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted;
  return ExitCode.Failed;
}

/**
 * Print an error the way every command does: one line on stderr, or with
 * --json one line on stdout, `{"event":"error","ok":false,"error":{"code","message",...}}`.
 */
export function reportError(err: unknown, json: boolean): void {
  const e: HilbridgeError = asHilbridgeError(err);
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'error', ok: false, error: e.toJSON() }) + '\n');
  } else {
    process.stderr.write(`hilbridge: error [${e.code}]: ${e.message}\n`);
  }
}

/**
 * Wrap a command action: run it, set process.exitCode from its result or
 * error. Commands return their exit code; they never call process.exit, so
 * pending output is flushed.
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<ExitCode>,
  jsonOf: (...args: A) => boolean = () => false,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await fn(...args);
    } catch (err) {
      reportError(err, jsonOf(...args));
      process.exitCode = exitCodeFor(err);
    }
  };
}

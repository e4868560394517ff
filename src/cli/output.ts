/**
 * How much the program says, and how it may say it: the one place commands
 * consult for `--quiet`/`--verbose` and for what stderr can show.
 *
 *   quiet    only results (stdout) and errors: no progress, no informational lines
 *   normal   results, informational lines and progress on stderr
 *   verbose  normal, plus detail: the link and its negotiated parameters, counters
 *
 * Results always go to stdout (`result`), everything else to stderr, so a
 * pipe receives only what was asked for. Terminal styling follows the
 * environment: a progress bar only when stderr is a TTY and TERM is not
 * `dumb`; no ANSI escape codes at all when NO_COLOR is set (any non-empty
 * value, https://no-color.org) or TERM is `dumb`.
 */

export type Verbosity = 'quiet' | 'normal' | 'verbose';

let level: Verbosity = 'normal';

/** Set from the global options before a command runs (program.ts). */
export function setVerbosity(v: Verbosity): void {
  level = v;
}

export function verbosity(): Verbosity {
  return level;
}

export const isQuiet = (): boolean => level === 'quiet';
export const isVerbose = (): boolean => level === 'verbose';

/** A result line on stdout: printed at every verbosity. */
export function result(text: string): void {
  process.stdout.write(text + '\n');
}

/** An informational line on stderr (what is happening); not with --quiet. */
export function info(text: string): void {
  if (level !== 'quiet') process.stderr.write(text + '\n');
}

/** A detail line on stderr (parameters, counters); only with --verbose. */
export function detail(text: string): void {
  if (level === 'verbose') process.stderr.write(text + '\n');
}

export interface Terminal {
  /** Whether a redrawn bar may be shown (stderr is a TTY and TERM is not dumb). */
  readonly bar: boolean;
  /** Whether ANSI escape codes may be written (not with NO_COLOR or TERM=dumb). */
  readonly ansi: boolean;
}

/** What stderr can show, from its TTY state and the environment. */
export function stderrTerminal(env: NodeJS.ProcessEnv = process.env, isTTY = process.stderr.isTTY === true): Terminal {
  const dumb = env.TERM === 'dumb';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return { bar: isTTY && !dumb, ansi: isTTY && !dumb && !noColor };
}

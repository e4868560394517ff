/**
 * An image that arrives on a stream (a pipe into `hilbridge flash -`) is
 * spooled to a private temporary file first, so everything after it (local
 * verification, the transfer reading chunks on demand, --resume's SHA-256)
 * works on a regular file, as for an image named on the command line.
 *
 * Bounded: the first bytes decide the limit (`limitFor`), and the spool stops
 * with file_too_large as soon as the stream passes it; a stream that never
 * ends (/dev/zero) costs at most that much disk, never memory. The file lives
 * in a directory only this user can read (mkdtemp, 0700; the file 0600) and
 * is removed by `remove()`, on any error while spooling, on SIGINT, SIGTERM
 * and SIGHUP, and at process exit if nothing removed it before (a closed
 * stdout's exit 141). Only SIGKILL can leave it behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, isHilbridgeError } from '../errors.js';

export interface SpoolLimit {
  /** Most bytes the stream may carry. */
  readonly maxBytes: number;
  /** What the limit is, for the message ("an HXE image"). */
  readonly what: string;
}

export interface SpooledFile {
  /** The temporary file, complete and closed. */
  readonly path: string;
  readonly size: number;
  /** Remove the file and its directory (idempotent). */
  remove(): Promise<void>;
}

export interface SpoolOptions {
  /** Names the stream in messages ("stdin"). */
  readonly name: string;
  /** The limit, decided from the first `headBytes` bytes (fewer when the stream is shorter). */
  readonly limitFor: (head: Uint8Array) => SpoolLimit;
  readonly headBytes?: number;
  /** Parent of the private directory (default: the OS temp directory). */
  readonly tmpRoot?: string;
  /** File name inside the private directory. */
  readonly fileName?: string;
}

/** Directories to remove at exit, if their owner did not first. */
const pending = new Set<string>();
let exitHook = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removePending(): void {
  for (const d of pending) rmSync(d, { recursive: true, force: true });
  pending.clear();
}

/**
 * A signal while a spool exists: remove it, then, when nobody else handles
 * the signal (flash does during a transfer), end the process as the signal
 * would have (130 for Ctrl-C), which a listener here would otherwise prevent.
 */
function onSignal(signal: NodeJS.Signals): void {
  removePending();
  unwatchSignals();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function unwatchSignals(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/**
 * A new private directory, removed at exit or on a signal if its owner does
 * not first. The signal listeners go on before the directory exists and it
 * is made synchronously: a Ctrl-C at any instant finds it recorded (no JS
 * listener runs between mkdtempSync and the record), never left behind.
 */
function privateDir(root: string): string {
  if (pending.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', removePending);
  }
  let dir: string;
  try {
    dir = mkdtempSync(join(root, 'hilbridge-spool-'));
  } catch (e) {
    if (pending.size === 0) unwatchSignals();
    throw e;
  }
  pending.add(dir);
  return dir;
}

function forget(dir: string): void {
  pending.delete(dir);
  if (pending.size === 0) unwatchSignals();
}

/** Copy `input` to a new private temporary file, refusing it past the limit its first bytes call for. */
export async function spoolToFile(input: AsyncIterable<Uint8Array>, o: SpoolOptions): Promise<SpooledFile> {
  const dir = privateDir(o.tmpRoot ?? tmpdir());
  const path = join(dir, o.fileName ?? 'image');
  const remove = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    forget(dir);
  };
  const headBytes = o.headBytes ?? 4;
  let head = new Uint8Array(0);
  let limit: SpoolLimit | undefined;
  let size = 0;
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      const write = async (bytes: Uint8Array): Promise<void> => {
        limit ??= o.limitFor(head);
        if (size + bytes.length > limit.maxBytes) {
          throw new UsageError('file_too_large', `${o.name} carries more than ${limit.maxBytes} bytes, the most ${limit.what} can be: is this the right stream?`);
        }
        await fh.write(bytes, 0, bytes.length, size);
        size += bytes.length;
      };
      for await (const block of input) {
        if (limit === undefined) {
          const joined = new Uint8Array(head.length + block.length);
          joined.set(head);
          joined.set(block, head.length);
          head = joined;
          if (head.length < headBytes) continue;
          const first = head;
          head = first.subarray(0, headBytes);
          await write(first);
        } else {
          await write(block);
        }
      }
      if (limit === undefined) await write(head); // shorter than the head
    } finally {
      await fh.close();
    }
  } catch (cause) {
    await remove();
    if (isHilbridgeError(cause)) throw cause; // the limit's own verdict (too large, not an image at all)
    throw new UsageError('file_unreadable', `cannot copy ${o.name} into a temporary file under ${o.tmpRoot ?? tmpdir()}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return { path, size, remove };
}

/**
 * A capture file being written (`flash --capture`): lines appended to a
 * buffer of at most FLUSH_BYTES, written synchronously when it fills, at the
 * end of the event-loop turn that added them, on close, and from a process
 * 'exit' hook. So the file is complete on every way out of the program (a
 * failed flash, Ctrl-C during the transfer or outside it, where the default
 * action kills the process, a closed stdout): nothing waits in a stream's
 * queue, at most the lines of the turn a signal interrupts are lost, and
 * memory stays bounded however fast the link runs.
 *
 * The file is created with mode 0644 (less what the umask takes away). An
 * existing file is replaced only when it is empty or already a capture (its
 * first line is a capture line): a mistyped `--capture app.hxe` never
 * overwrites an image. Directories, FIFOs and devices are refused.
 * The first write error stops the recording; `close()` returns it, naming
 * the file and the line it stopped at.
 */
import { closeSync, constants, openSync, readSync, statSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { MAX_CANDUMP_LINE, parseCandumpLine } from '../protocol/candump.js';

/** Bytes of lines held before they are written. */
export const FLUSH_BYTES = 64 * 1024;

function existing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError('file_unwritable', `cannot create capture "${path}": ${(e as Error).message}`, { cause: e });
  }
}

/** Whether the existing file at `path` starts with a capture line (only then is it replaced). */
function holdsCapture(path: string, size: number): boolean {
  if (size === 0) return true;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, MAX_CANDUMP_LINE + 1));
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    const kind = parseCandumpLine(first, 1).kind;
    return kind === 'frame' || kind === 'bytes' || kind === 'remote';
  } finally {
    closeSync(fd);
  }
}

export class CaptureFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private lines = 0;
  private fd: number | undefined;
  private failure: UsageError | undefined;
  private flushQueued = false;
  private readonly onExit = (): void => {
    this.close();
  };

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
    process.on('exit', this.onExit);
  }

  /** Create (or replace, see above) the capture file; UsageError when it cannot be. */
  static open(path: string): CaptureFile {
    const st = existing(path);
    if (st !== undefined) {
      if (st.isDirectory()) throw new UsageError('file_is_directory', `capture "${path}" is a directory: name a file in it`);
      if (!st.isFile()) throw new UsageError('file_not_regular', `capture "${path}" is not a regular file (a FIFO, device or socket): name a new file`);
      let capture: boolean;
      try {
        capture = holdsCapture(path, st.size);
      } catch (e) {
        throw new UsageError('file_unwritable', `cannot check capture "${path}" before replacing it: ${(e as Error).message}`, { cause: e });
      }
      if (!capture) {
        throw new UsageError('file_exists', `capture "${path}" exists and is not a capture (its first line is no capture line): name a new file, or remove it first`);
      }
    }
    try {
      return new CaptureFile(path, openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644));
    } catch (e) {
      throw new UsageError('file_unwritable', `cannot create capture "${path}": ${(e as Error).message}`, { cause: e });
    }
  }

  /** Lines recorded so far. */
  get count(): number {
    return this.lines;
  }

  /** The first write error, if recording stopped. */
  get error(): UsageError | undefined {
    return this.failure;
  }

  /** Append one line (no newline); written when the buffer fills or at close. Never throws: a failure stops the recording. */
  line(text: string): void {
    if (this.fd === undefined || this.failure !== undefined) return;
    this.pending.push(text + '\n');
    this.pendingBytes += text.length + 1;
    this.lines++;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
      }).unref();
    }
  }

  /** Write what is buffered. */
  flush(): void {
    if (this.fd === undefined || this.failure !== undefined || this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join(''), 'utf8');
    const first = this.lines - this.pending.length + 1;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      for (let at = 0; at < data.length; ) at += writeSync(this.fd, data, at, data.length - at);
    } catch (e) {
      this.failure = new UsageError(
        'file_unwritable',
        `cannot write capture "${this.path}": ${(e as Error).message}; the capture is incomplete, lines from line ${first} on may be missing (check free space and permissions)`,
        { cause: e },
      );
    }
  }

  /** Flush and close (idempotent); returns the write error if the capture is incomplete. */
  close(): UsageError | undefined {
    if (this.fd !== undefined) {
      this.flush();
      const fd = this.fd;
      this.fd = undefined;
      process.off('exit', this.onExit);
      try {
        closeSync(fd);
      } catch (e) {
        this.failure ??= new UsageError('file_unwritable', `cannot close capture "${this.path}": ${(e as Error).message}`, { cause: e });
      }
    }
    return this.failure;
  }
}

/**
 * A FRAM device backed by a file. Every write goes straight to the file
 * (no cache in this process), so killing the process is a power cycle:
 * reopening the file is the reboot.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { BaseFramDevice, type FramDeviceOptions } from './device.js';
import { FramError, at } from './errors.js';

export interface FileFramOptions extends FramDeviceOptions {
  /** Create the file (all zero) with this size when it does not exist; must match when it does. */
  readonly size?: number;
}

export class FileFramDevice extends BaseFramDevice {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    size: number,
    options: FramDeviceOptions,
  ) {
    super(size, path, options);
    this.fd = fd;
  }

  /** Open (or, with `size`, create) a FRAM image file. */
  static open(path: string, options: FileFramOptions = {}): FileFramDevice {
    let fd: number;
    try {
      const exists = existsSync(path);
      if (!exists && options.size === undefined) {
        throw new FramError('io_error', `FRAM file ${path} does not exist; give a size to create it`);
      }
      fd = openSync(path, exists ? 'r+' : 'w+');
      if (!exists && options.size !== undefined) ftruncateSync(fd, options.size);
    } catch (e) {
      if (e instanceof FramError) throw e;
      throw new FramError('io_error', `cannot open FRAM file ${path}: ${(e as Error).message}; check the path and permissions`, undefined, { cause: e });
    }
    const size = fstatSync(fd).size;
    if (options.size !== undefined && size !== options.size) {
      closeSync(fd);
      throw new FramError('io_error', `FRAM file ${path} is ${size} bytes, expected ${options.size}; use the matching size or a new file`);
    }
    try {
      return new FileFramDevice(path, fd, size, options);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  protected readRaw(offset: number, length: number): Uint8Array {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = this.io(offset + done, () => readSync(this.handle(offset), buf, done, length - done, offset + done));
      if (n === 0) throw new FramError('io_error', `${this.path}: unexpected end of file reading ${at(offset + done)}`, offset + done);
      done += n;
    }
    return buf;
  }

  protected writeRaw(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += this.io(offset + done, () => writeSync(this.handle(offset), data, done, data.length - done, offset + done));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private handle(offset: number): number {
    if (this.fd === null) throw new FramError('io_error', `${this.path}: I/O at ${at(offset)} after close`, offset);
    return this.fd;
  }

  /** Run one fs call; failures become io_error naming the file and offset. */
  private io<T>(offset: number, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FramError) throw e;
      throw new FramError('io_error', `${this.path}: I/O at ${at(offset)} failed: ${(e as Error).message}; check the disk and permissions`, offset, { cause: e });
    }
  }
}

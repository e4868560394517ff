/**
 * UART (and pty) transport over `serialport`: raw byte chunks in and out.
 * COBS framing is the protocol layer's job (it caps its buffer at the maximum
 * frame); @serialport/parser-delimiter is deliberately not used because its
 * buffer grows without bound on a line that never sends the delimiter.
 */
import { existsSync } from 'node:fs';
import { Subject, interval } from 'rxjs';
import type { Subscription } from 'rxjs';
import { SerialPort } from 'serialport';
import { LinkError } from '../errors.js';
import type { ByteStreamTransport } from './types.js';

export interface UartOptions {
  /** Initial baud rate. Default 115200 (no effect on a pty). */
  readonly baudRate?: number;
  /** How often to check that the device node still exists, ms. Default 500. */
  readonly presenceCheckMs?: number;
}

/**
 * Why a presence watch: when a pty's other end closes, the slave reads EOF and
 * serialport retries the read forever instead of reporting it; a USB adapter
 * that is unplugged does not always produce a read error either. In both
 * cases the device node (or socat's link to it) disappears, which this sees.
 */
const DEFAULT_PRESENCE_CHECK_MS = 500;

/** A byte-stream transport whose line rate can be changed after connecting. */
export interface UartTransport extends ByteStreamTransport {
  /** Change the baud rate of the open port (for the protocol's baud switching). */
  setBaudRate(baudRate: number): Promise<void>;
}

function errno(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e).code) : '';
  if (code === 'ENOENT' || /ENOENT|No such file/i.test(text)) return 'ENOENT';
  if (code === 'EACCES' || /EACCES|Permission denied/i.test(text)) return 'EACCES';
  if (code === 'EBUSY' || /EBUSY|Cannot lock port|Resource temporarily unavailable|busy/i.test(text)) return 'EBUSY';
  return code;
}

/** Map an open() failure to a LinkError naming the path and what to check. */
export function openError(path: string, e: unknown): LinkError {
  switch (errno(e)) {
    case 'ENOENT':
      return new LinkError('link_unavailable', path, `${path} does not exist: is the adapter plugged in? \`hilbridge ports\` lists the serial ports this machine has`, { cause: e });
    case 'EACCES':
      return new LinkError('link_unavailable', path, `${path}: permission denied: add your user to the group owning it (usually dialout: \`sudo usermod -aG dialout $USER\`, then log in again)`, { cause: e });
    case 'EBUSY':
      return new LinkError('link_unavailable', path, `${path} is busy: another program holds it (a serial console, ModemManager, another hilbridge): check \`fuser -v ${path}\``, { cause: e });
    default:
      return new LinkError('link_unavailable', path, `${path}: cannot open: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

class SerialTransport implements UartTransport {
  readonly kind = 'uart' as const;
  readonly framing = 'bytes' as const;
  readonly rx$;
  private readonly rx = new Subject<Uint8Array>();
  private readonly pending = new Set<(e: LinkError) => void>();
  private closing: Promise<void> | undefined;
  private failure: LinkError | undefined;
  private readonly presence: Subscription;

  constructor(
    readonly name: string,
    private readonly port: SerialPort,
    presenceCheckMs: number,
  ) {
    this.rx$ = this.rx.asObservable();
    this.presence = interval(presenceCheckMs).subscribe(() => {
      if (!existsSync(name)) this.fail(new Error(`${name} no longer exists`));
    });
    port.on('data', (b: Buffer) => this.rx.next(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    port.on('error', (e: unknown) => this.fail(e));
    port.on('close', (e: unknown) => {
      if (this.closing === undefined) this.fail(e ?? new Error('closed underneath'));
    });
  }

  private fail(cause: unknown): void {
    if (this.failure !== undefined || this.closing !== undefined) return;
    this.presence.unsubscribe();
    // Release the port (this also ends serialport's retry loop on a hung-up pty).
    if (this.port.isOpen) this.port.close(() => undefined);
    this.failure = new LinkError(
      'link_disconnected',
      this.name,
      `${this.name} went away: was the adapter unplugged or the pty's other end closed?`,
      { cause },
    );
    for (const reject of this.pending) reject(this.failure);
    this.pending.clear();
    this.rx.error(this.failure);
  }

  send(unit: Uint8Array): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (e?: LinkError): void => {
        if (settled) return;
        settled = true;
        this.pending.delete(settle);
        if (e === undefined) resolve();
        else reject(e);
      };
      this.pending.add(settle);
      // The write callback fires once the bytes were handed to the OS, after
      // any earlier writes: that is the back-pressure the caller awaits.
      this.port.write(Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength), (err) => {
        if (err) settle(this.closing !== undefined ? this.closedError() : new LinkError('link_disconnected', this.name, `${this.name}: write failed: ${err.message}`, { cause: err }));
        else settle();
      });
    });
  }

  setBaudRate(baudRate: number): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      // tcdrain first: bytes already written (e.g. the SET_BAUD reply) must leave at the old rate.
      this.port.drain((drainErr) => {
        if (drainErr) {
          reject(new LinkError('link_disconnected', this.name, `${this.name}: cannot drain before switching to ${baudRate} baud: ${drainErr.message}`, { cause: drainErr }));
          return;
        }
        this.update(baudRate, resolve, reject);
      });
    });
  }

  private update(baudRate: number, resolve: () => void, reject: (e: LinkError) => void): void {
    this.port.update({ baudRate }, (err) => {
      if (err) reject(new LinkError('link_unavailable', this.name, `${this.name}: cannot set ${baudRate} baud: does the adapter support it?`, { cause: err }));
      else resolve();
    });
  }

  private closedError(): LinkError {
    return new LinkError('link_closed', this.name, `${this.name}: the serial link was closed`);
  }

  close(): Promise<void> {
    this.presence.unsubscribe();
    this.closing ??= new Promise<void>((resolve) => {
      const e = this.closedError();
      for (const reject of this.pending) reject(e);
      this.pending.clear();
      const done = (): void => {
        if (this.failure === undefined) this.rx.complete();
        resolve();
      };
      if (this.port.isOpen) this.port.close(() => done());
      else done();
    });
    return this.closing;
  }
}

/** Open a serial port or pty. Rejects with LinkError('link_unavailable') when missing, busy or not permitted. */
export function openUart(path: string, options: UartOptions = {}): Promise<UartTransport> {
  const port = new SerialPort({ path, baudRate: options.baudRate ?? 115200, autoOpen: false });
  return new Promise((resolve, reject) => {
    port.open((err) => {
      if (err) reject(openError(path, err));
      else resolve(new SerialTransport(path, port, options.presenceCheckMs ?? DEFAULT_PRESENCE_CHECK_MS));
    });
  });
}

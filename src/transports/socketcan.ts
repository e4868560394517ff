/**
 * SocketCAN transport over the optional native `socketcan` addon (loaded
 * lazily, so the rest of the tool works without it).
 *
 * - Classic and CAN FD frames. The addon does not flag received FD frames:
 *   a received frame is reported `fd` when it carries more than 8 bytes.
 * - Receive filters (id/mask, 11- or 29-bit) are applied in the kernel;
 *   remote and error frames are never delivered.
 * - Sends go out one at a time in order through a non-blocking socket. A full
 *   transmit queue (ENOBUFS/EAGAIN: the addon reports only -1) is retried with
 *   exponential back-off; after `backoff.giveUpMs` of no progress the send
 *   fails with LinkError('link_disconnected').
 * - Pacing: after `pacing.burst` frames the sender pauses `pacing.gapMs`, so
 *   the receiving process gets event-loop turns to drain its socket queue
 *   (bursts of more than ~100 frames overflow it; see docs/hil.md).
 */
import { Subject, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { LinkError, UsageError } from '../errors.js';
import type { CanFrame, CanTransport } from './types.js';
import { interfaceProblem, loadSocketCan } from './socketcan-native.js';
import type { RawChannel, RawFilter, RawMessage } from 'socketcan';

/** Accept frames whose identifier matches `id` in the bits set in `mask`. */
export interface CanFilter {
  readonly id: number;
  readonly mask: number;
  /** Match 29-bit identifiers (default: 11-bit). */
  readonly extended?: boolean;
}

export interface SocketCanOptions {
  /** Carry CAN FD frames (the interface must have MTU 72). Default false. */
  readonly fd?: boolean;
  /** Kernel receive filters; empty or absent accepts every data frame. */
  readonly filters?: readonly CanFilter[];
  /** Pause `gapMs` after every `burst` frames sent. Default { burst: 32, gapMs: 1 }. */
  readonly pacing?: { readonly burst: number; readonly gapMs: number };
  /** Retry a full transmit queue after initialMs, doubling to maxMs; fail after giveUpMs. Default 1/32/2000. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number; readonly giveUpMs: number };
  /** Time source for pacing and back-off. Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

const CAN_EFF_FLAG = 0x80000000;
const CAN_RTR_FLAG = 0x40000000;
const FD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);

interface PendingSend {
  readonly frame: CanFrame;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** Turn a filter into the kernel's form: the EFF and RTR bits are always compared. */
export function toRawFilter(f: CanFilter): RawFilter {
  const idMask = f.extended ? 0x1fffffff : 0x7ff;
  return {
    id: ((f.id & idMask) | (f.extended ? CAN_EFF_FLAG : 0)) >>> 0,
    mask: ((f.mask & idMask) | CAN_EFF_FLAG | CAN_RTR_FLAG) >>> 0,
  };
}

/** Why `frame` cannot go out on this link, or undefined. */
export function frameProblem(frame: CanFrame, linkFd: boolean): string | undefined {
  const max = frame.extended ? 0x1fffffff : 0x7ff;
  if (!Number.isInteger(frame.id) || frame.id < 0 || frame.id > max) {
    return `identifier 0x${frame.id.toString(16)} does not fit ${frame.extended ? 29 : 11} bits`;
  }
  if (frame.fd && !linkFd) return 'CAN FD frame on a link opened without FD';
  if (frame.fd ? !FD_LENGTHS.has(frame.data.length) : frame.data.length > 8) {
    return `${frame.data.length} data bytes is not a valid ${frame.fd ? 'CAN FD' : 'classic CAN'} length`;
  }
  return undefined;
}

class SocketCanTransport implements CanTransport {
  readonly kind = 'can' as const;
  readonly framing = 'can' as const;
  readonly rx$;
  private readonly rx = new Subject<CanFrame>();
  private readonly queue: PendingSend[] = [];
  private timer: Subscription | undefined;
  private burst = 0;
  private retryDelay: number;
  private failingSince: number | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  private failure: LinkError | undefined;

  constructor(
    readonly name: string,
    readonly fd: boolean,
    private readonly channel: RawChannel,
    private readonly pacing: { burst: number; gapMs: number },
    private readonly backoff: { initialMs: number; maxMs: number; giveUpMs: number },
    private readonly scheduler: SchedulerLike,
  ) {
    this.rx$ = this.rx.asObservable();
    this.retryDelay = backoff.initialMs;
    channel.addListener('onMessage', (m) => this.onMessage(m));
    channel.addListener('onStopped', () => {
      if (!this.closed) this.fail(this.gone('the socket stopped'));
    });
  }

  private onMessage(m: RawMessage): void {
    if (m.err === true || m.rtr === true) return;
    const data = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    this.rx.next({ id: m.id, extended: m.ext === true, fd: data.length > 8, data });
  }

  private gone(what: string): LinkError {
    const why = interfaceProblem(this.name, false);
    return new LinkError(
      'link_disconnected',
      this.name,
      `${this.name}: ${what}${why ? `: ${why.message}` : ' (interface deleted, down, or bus-off? check `ip -details link show ' + this.name + '`)'}`,
    );
  }

  send(frame: CanFrame): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const problem = frameProblem(frame, this.fd);
    if (problem !== undefined) {
      return Promise.reject(new UsageError('invalid_can_frame', `${this.name}: cannot send frame: ${problem}`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      if (this.queue.length === 1 && this.timer === undefined) this.pump();
    });
  }

  /** Send queued frames until the queue is empty, a pacing gap or a back-off. */
  private pump(): void {
    this.timer = undefined;
    while (this.queue.length > 0 && !this.closed && this.failure === undefined) {
      const head = this.queue[0]!;
      const f = head.frame;
      const msg: RawMessage = { id: f.id, ext: f.extended, data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength) };
      const written = f.fd ? this.channel.sendFD(msg) : this.channel.send(msg);
      if (written < 0) {
        this.retryLater();
        return;
      }
      this.queue.shift();
      this.failingSince = undefined;
      this.retryDelay = this.backoff.initialMs;
      head.resolve();
      if (++this.burst >= this.pacing.burst) {
        this.burst = 0;
        this.timer = this.scheduler.schedule(() => this.pump(), this.pacing.gapMs);
        return;
      }
    }
  }

  private retryLater(): void {
    const now = this.scheduler.now();
    this.failingSince ??= now;
    const problem = interfaceProblem(this.name, this.fd);
    if (problem !== undefined) {
      this.fail(this.gone('send failed'));
      return;
    }
    if (now - this.failingSince >= this.backoff.giveUpMs) {
      this.fail(
        new LinkError(
          'link_disconnected',
          this.name,
          `${this.name}: transmit queue stayed full for ${this.backoff.giveUpMs} ms (ENOBUFS): is the bus off or is no node acknowledging? ` +
            `check \`ip -details -statistics link show ${this.name}\`; for vcan, is a receiver keeping up?`,
        ),
      );
      return;
    }
    this.burst = 0;
    this.timer = this.scheduler.schedule(() => this.pump(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, this.backoff.maxMs);
  }

  private fail(e: LinkError): void {
    if (this.failure !== undefined || this.closed) return;
    this.failure = e;
    this.timer?.unsubscribe();
    for (const p of this.queue.splice(0)) p.reject(e);
    try {
      this.channel.stop();
    } catch {
      // already stopped by the addon
    }
    this.rx.error(e);
  }

  private closedError(): LinkError {
    return new LinkError('link_closed', this.name, `${this.name}: the CAN link was closed`);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.timer?.unsubscribe();
      const e = this.closedError();
      for (const p of this.queue.splice(0)) p.reject(e);
      if (this.failure === undefined) {
        try {
          this.channel.stop();
        } catch {
          // already stopped
        }
        this.rx.complete();
      }
      await Promise.resolve();
    })();
    return this.closing;
  }
}

/**
 * Open `iface` (e.g. "vcan0", "can0") as a CanTransport. Rejects with
 * LinkError('unsupported_link') when the native module is missing and
 * LinkError('link_unavailable') when the interface is missing, down or not FD.
 */
export async function openSocketCan(iface: string, options: SocketCanOptions = {}): Promise<CanTransport> {
  const fd = options.fd ?? false;
  const mod = await loadSocketCan(iface);
  const problem = interfaceProblem(iface, fd);
  if (problem !== undefined) throw problem;
  let channel: RawChannel;
  try {
    channel = mod.createRawChannelWithOptions(iface, { non_block_send: true });
  } catch (e) {
    throw (
      interfaceProblem(iface, fd) ??
      new LinkError(
        'link_unavailable',
        iface,
        `${iface}: cannot open a CAN socket: does this kernel have SocketCAN (modprobe can-raw)? Without it, run under hil/with-vcan`,
        { cause: e },
      )
    );
  }
  channel.setErrorFilters(0);
  if (options.filters !== undefined && options.filters.length > 0) {
    channel.setRxFilters(options.filters.map(toRawFilter));
  }
  const t = new SocketCanTransport(
    iface,
    fd,
    channel,
    options.pacing ?? { burst: 32, gapMs: 1 },
    options.backoff ?? { initialMs: 1, maxMs: 32, giveUpMs: 2000 },
    options.scheduler ?? asyncScheduler,
  );
  channel.start();
  return t;
}

/**
 * Test rig for the virtual board end to end: host engine -> real codecs and
 * channels -> link emulator -> serveTarget -> VirtualBoard on a memory FRAM
 * chip, all in virtual time. `reboot()` is a power cycle: a new board over the
 * same chip, served on the same link.
 */
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { openByteStreamChannel } from '../../src/protocol/channel.js';
import { connect, serveTarget, transfer, transferCoded, confirm, status } from '../../src/protocol/engine/index.js';
import type { CommandOutcome, CommandSigner, DeltaOptions, PeerInfo, TargetHandle, TransferEvent, TransferOptions, TransferResult } from '../../src/protocol/engine/index.js';
import { ANY_SLOT, ImageKind, type StatusInfoMsg } from '../../src/protocol/messages-types.js';
import type { FrameChannel } from '../../src/protocol/types.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/board/board.js';
import type { BoardEvent } from '../../src/board/events.js';
import { createEmulatedLink, type EmulatedLink, type FaultSpec } from '../../src/transports/emulator.js';
import { bytesImageReader } from '../../src/image/reader.js';
import type { ByteStreamTransport } from '../../src/transports/types.js';
import { VirtualClock } from '../unit/transports/virtual-time.js';

export interface BoardRigOptions {
  readonly faults?: FaultSpec | readonly FaultSpec[];
  readonly seed?: number;
  readonly board?: Partial<VirtualBoardOptions>;
  readonly framSize?: number;
  /** Line rate of the emulated UART, bit/s (default 921600). */
  readonly bitRate?: number;
  /** Line rates the target offers in SET_BAUD (default: none, SET_BAUD answered ENOTSUP). */
  readonly lineRates?: readonly number[];
  /** Signs BEGIN (and the transfer's ABORT) for a board that requires authenticated commands. */
  readonly signer?: CommandSigner;
}

/** The result of a transfer's events (its last, 'done'); throws when it has none. */
export function resultOf(events: readonly TransferEvent[]): TransferResult {
  const last = events.at(-1);
  if (last?.kind !== 'done') throw new Error('no result');
  return last.result;
}

export class BoardRig {
  readonly clock = new VirtualClock();
  readonly chip: Uint8Array;
  readonly link: EmulatedLink<ByteStreamTransport>;
  readonly host: FrameChannel;
  readonly targetCh: FrameChannel;
  board!: VirtualBoard;
  target!: TargetHandle;
  /** Every board event since the rig started (across reboots). */
  readonly events: BoardEvent[] = [];

  constructor(readonly opts: BoardRigOptions = {}) {
    this.chip = new Uint8Array(opts.framSize ?? 128 * 1024);
    this.link = createEmulatedLink({ mode: 'bytes', bitRate: opts.bitRate ?? 921_600, latencyMs: 2, seed: opts.seed ?? 3, faults: opts.faults, scheduler: this.clock.scheduler, name: '/dev/ttyEMU0' });
    this.host = openByteStreamChannel(this.link.host, { maxFrame: 1024 + 20, role: 'host' });
    this.targetCh = openByteStreamChannel(this.link.target, { maxFrame: 1024 + 20, role: 'target' });
    this.powerOn();
  }

  private powerOn(): void {
    this.board = VirtualBoard.open({ fram: { memory: this.chip }, scheduler: this.clock.scheduler, ...this.opts.board });
    this.board.allEvents$.subscribe((e) => this.events.push(e));
    const rates = this.opts.lineRates;
    const end = this.link.target;
    this.target = serveTarget(this.targetCh, this.board, {
      scheduler: this.clock.scheduler,
      ...(rates === undefined ? {} : { baud: { link: { setBaudRate: (n: number) => end.setBaudRate!(n) }, rate: this.opts.bitRate ?? 921_600, rates } }),
    });
  }

  /** Power cycle the board (pending value writes lost, as in a real cut) and serve again on the same link. */
  async reboot(): Promise<void> {
    await this.target.close();
    this.board.powerOff();
    this.powerOn();
  }

  connect(): Promise<PeerInfo> {
    return this.clock.until(connect(this.host, { scheduler: this.clock.scheduler, tries: 8 }));
  }

  /** Provision an image over the protocol; resolves with the host's events or rejects with the error. */
  async provision(bytes: Uint8Array, opts: Partial<TransferOptions> = {}): Promise<TransferEvent[]> {
    return this.clock.until(this.start(bytes, opts));
  }

  /** Start a transfer without running the clock (drive it with clock.advanceTo). */
  async start(bytes: Uint8Array, opts: Partial<TransferOptions> = {}): Promise<TransferEvent[]> {
    const peer = opts.peer ?? (await connect(this.host, { scheduler: this.clock.scheduler, tries: 8 }));
    const events$: Observable<TransferEvent> = transfer(this.host, bytesImageReader(bytes), { scheduler: this.clock.scheduler, imageKind: ImageKind.hxe, slot: ANY_SLOT, signer: this.opts.signer, ...opts, peer });
    return lastValueFrom(events$.pipe(toArray()));
  }

  /** Provision with delta and compression as negotiated (docs/protocol.md 9); `host` replaces the host channel (a tap). */
  async provisionCoded(bytes: Uint8Array, opts: Partial<TransferOptions> & DeltaOptions = {}, host: FrameChannel = this.host): Promise<TransferEvent[]> {
    return this.clock.until(this.startCoded(bytes, opts, host));
  }

  /** provisionCoded without running the clock. */
  async startCoded(bytes: Uint8Array, opts: Partial<TransferOptions> & DeltaOptions = {}, host: FrameChannel = this.host): Promise<TransferEvent[]> {
    const peer = opts.peer ?? (await connect(host, { scheduler: this.clock.scheduler, tries: 8 }));
    const events$ = transferCoded(host, bytesImageReader(bytes), { scheduler: this.clock.scheduler, imageKind: ImageKind.hxe, slot: ANY_SLOT, ...opts, peer });
    return lastValueFrom(events$.pipe(toArray()));
  }

  /** SHA-256 of the image in the active slot, from the FRAM map (null when none). */
  activeSha(): string | null {
    const rep = this.board.report();
    return rep.slots.find((s) => s.slot === rep.active)?.sha256 ?? null;
  }

  status(): Promise<StatusInfoMsg> {
    return this.clock.until(status(this.host, { scheduler: this.clock.scheduler }));
  }

  confirm(): Promise<CommandOutcome> {
    return this.clock.until(confirm(this.host, ANY_SLOT, { scheduler: this.clock.scheduler }));
  }

  async dispose(): Promise<void> {
    await this.target.close();
    this.board.close();
    await this.link.close().catch(() => undefined);
  }
}

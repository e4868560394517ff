/**
 * Test rig for broadcast provisioning: one master and N virtual boards with
 * their broadcast listeners on the emulator CAN bus, each node with its own
 * frame loss and read rate, all in virtual time. `restart(node)` is a power
 * cycle of one board: a new board over the same FRAM chip, on a new bus node.
 */
import { map } from 'rxjs';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/board/board.js';
import { listenBroadcast, type BcastListener } from '../../src/board/bcast-listener.js';
import { broadcastFlash, type BcastOptions, type BcastResult } from '../../src/protocol/engine/index.js';
import { ImageKind } from '../../src/protocol/messages-types.js';
import { createEmulatorBus, type BusNode, type EmulatorBus } from '../../src/transports/emulator-bus.js';
import type { CanFrame, CanTransport } from '../../src/transports/types.js';
import { VirtualClock } from '../unit/transports/virtual-time.js';

export interface RigNode {
  readonly node: number;
  readonly chip: Uint8Array;
  board: VirtualBoard;
  listener: BcastListener;
  busNode: BusNode;
}

export interface NodeSpec {
  readonly node: number;
  readonly loss?: number;
  readonly rxFramesPerSecond?: number;
  readonly board?: Partial<VirtualBoardOptions>;
  /** What the node's receive path does to each frame (a faulty node). */
  readonly rx?: (f: CanFrame) => CanFrame;
  /** An image installed (and confirmed) before the session: the old image. */
  readonly old?: Uint8Array;
}

export class BcastRig {
  readonly clock = new VirtualClock();
  readonly bus: EmulatorBus;
  readonly host: BusNode;
  readonly nodes = new Map<number, RigNode>();

  constructor(readonly specs: readonly NodeSpec[], opts: { bitRate?: number; fd?: boolean; seed?: number; latencyMs?: number } = {}) {
    this.bus = createEmulatorBus({ scheduler: this.clock.scheduler, bitRate: opts.bitRate ?? 1_000_000, fd: opts.fd ?? false, seed: opts.seed ?? 11, name: 'vcan0', latencyMs: opts.latencyMs ?? 0 });
    this.host = this.bus.attach({ name: 'host' });
    for (const s of specs) {
      const chip = new Uint8Array(64 * 1024);
      const r = { node: s.node, chip } as RigNode;
      this.nodes.set(s.node, r);
      this.powerOn(r, s);
      if (s.old !== undefined) r.board.install(s.old, 'can_master', { confirm: true });
    }
  }

  private powerOn(r: RigNode, s: NodeSpec): void {
    r.board = VirtualBoard.open({ fram: { memory: r.chip }, scheduler: this.clock.scheduler, nodeId: s.node, source: 'can_master', ...s.board });
    r.busNode = this.bus.attach({ name: `node${s.node}`, loss: s.loss ?? 0, ...(s.rxFramesPerSecond === undefined ? {} : { rxFramesPerSecond: s.rxFramesPerSecond }) });
    const t = r.busNode.transport;
    const rx = s.rx;
    const transport: CanTransport = rx === undefined ? t : { kind: t.kind, name: t.name, framing: 'can', fd: t.fd, rx$: t.rx$.pipe(map(rx)), send: (u) => t.send(u), close: () => t.close() };
    r.listener = listenBroadcast(r.board, transport, { node: s.node, ...(s.rxFramesPerSecond === undefined ? {} : { rxFramesPerSecond: s.rxFramesPerSecond }) });
  }

  /** Power cycle one board: its listener and bus node go away, a new board boots on the same chip. */
  async restart(node: number): Promise<void> {
    const r = this.nodes.get(node)!;
    r.listener.close();
    await r.busNode.transport.close();
    r.board.powerOff();
    this.powerOn(r, this.specs.find((s) => s.node === node)!);
  }

  flash(bytes: Uint8Array, opts: BcastOptions = {}, nodes = this.specs.map((s) => s.node)): Promise<BcastResult> {
    return this.clock.until(broadcastFlash(this.host.transport, nodes, { bytes, kind: ImageKind.hxe }, { scheduler: this.clock.scheduler, session: 0x4242, ...opts }));
  }

  /** SHA-256 of the image the board runs now (its active slot), or null. */
  activeSha(node: number): string | null {
    const rep = this.nodes.get(node)!.board.report();
    return rep.slots.find((s) => s.slot === rep.active)?.sha256 ?? null;
  }

  async close(): Promise<void> {
    for (const r of this.nodes.values()) {
      r.listener.close();
      r.board.close();
    }
    await this.bus.close();
  }
}

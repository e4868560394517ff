/**
 * Virtual boards on the emulator bus for discovery tests: each board is a
 * real VirtualBoard (memory FRAM) answering through serveDiscovery, the host
 * is one more node of the bus. Hardware ids and nonces come from the seed,
 * so a failing run can be replayed.
 */
import { VirtualBoard } from '../../../../src/board/board.js';
import { boardDiscovery } from '../../../../src/board/board-discovery.js';
import { serveDiscovery } from '../../../../src/protocol/engine/discover-target.js';
import type { DiscoveryResponder } from '../../../../src/protocol/engine/discover-target.js';
import { createEmulatorBus } from '../../../../src/transports/emulator-bus.js';
import type { BusNode, EmulatorBus } from '../../../../src/transports/emulator-bus.js';
import { createRng, mixSeed } from '../../../../src/transports/rng.js';
import { toHex } from '../../../../src/util/hex.js';
import { VirtualClock } from '../../transports/virtual-time.js';

export interface BusBoard {
  readonly board: VirtualBoard;
  readonly node: BusNode;
  readonly responder: DiscoveryResponder;
  readonly hardwareId: string;
}

export interface DiscoveryBench {
  readonly clock: VirtualClock;
  readonly bus: EmulatorBus;
  readonly host: BusNode;
  readonly boards: BusBoard[];
  /** Seeded nonces for `discover`. */
  readonly nonce: (round: number) => number;
  close(): Promise<void>;
}

export interface BenchOptions {
  readonly boards: number;
  readonly seed?: number;
  /** Frame loss at every node, the host included. */
  readonly loss?: number;
  /** Node ids the boards start with (index -> id); default none (0). */
  readonly nodeIds?: (i: number) => number;
}

export function discoveryBench(o: BenchOptions): DiscoveryBench {
  const seed = o.seed ?? 1;
  const clock = new VirtualClock();
  const bus = createEmulatorBus({ scheduler: clock.scheduler, seed });
  const host = bus.attach({ name: 'host', loss: o.loss ?? 0 });
  const rng = createRng(mixSeed(seed, 0xd15c));
  const boards: BusBoard[] = [];
  for (let i = 0; i < o.boards; i++) {
    const board = VirtualBoard.open({ fram: { size: 64 * 1024 }, scheduler: clock.scheduler });
    const hardwareId = toHex(Uint8Array.from({ length: 16 }, () => rng.int(256)));
    board.fram.writeTrust({ ...board.fram.trust()!, boardId: hardwareId });
    const id = o.nodeIds?.(i) ?? 0;
    if (id !== 0) board.fram.writeSettings({ ...board.fram.settings(), canNodeId: id });
    const node = bus.attach({ name: `board${i}`, loss: o.loss ?? 0 });
    const responder = serveDiscovery(node.transport, boardDiscovery(board), { scheduler: clock.scheduler });
    boards.push({ board, node, responder, hardwareId });
  }
  const nonces = createRng(mixSeed(seed, 0x4e4f));
  return {
    clock,
    bus,
    host,
    boards,
    nonce: () => Math.floor(nonces.next() * 0x1_0000_0000),
    close: async () => {
      for (const b of boards) {
        b.responder.close();
        b.board.close();
      }
      await bus.close();
    },
  };
}

/**
 * Run the clock until `p` settles, like VirtualClock.until, but letting only
 * promise continuations (microtasks) run between steps: everything here is
 * in-process, so no I/O callback is waited for, and hundreds of boards'
 * frames step quickly. Falls back to a macrotask turn when nothing is due.
 */
export async function runUntil<T>(clock: VirtualClock, p: Promise<T>, limitMs = 3_600_000): Promise<T> {
  const s = clock.scheduler;
  const end = clock.now + limitMs;
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  for (;;) {
    for (let i = 0; i < 32 && !done; i++) await Promise.resolve();
    if (done) return watched;
    let next = s.actions[0];
    if (next === undefined) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) return watched;
      next = s.actions[0];
    }
    if (next === undefined || next.delay > end) throw new Error(`promise still pending at virtual time ${clock.now} ms`);
    s.maxFrames = next.delay;
    s.flush();
  }
}

/**
 * The emulator bus: one shared CAN medium with any number of attached nodes,
 * each a CanTransport. A frame sent by one node is delivered to every other
 * attached node (a sender does not receive its own frames unless it asks, as
 * on vcan0), after its exact wire time at the bus bit rate (line-cost.ts);
 * frames ready at once are serialised by arbitration (lowest identifier
 * first). Each node has its own seeded random loss and its own receive-rate
 * limit: a bounded receive queue read at a fixed rate, so frames arriving
 * faster than a slow node reads them overflow the queue and are dropped. Runs
 * on an injected RxJS scheduler (real or virtual time). See docs/transports.md.
 */
import { asyncScheduler, Subject } from 'rxjs';
import { LinkError, UsageError } from '../errors.js';
import { emptyNodeStats } from './emulator-bus-options.js';
import type { BusNodeOptions, BusNodeStats, BusStats, EmulatorBusOptions } from './emulator-bus-options.js';
import { canMode } from './emulator-modes.js';
import { Timeline } from './emulator-timeline.js';
import type { EventHandle } from './emulator-timeline.js';
import { TxQueue, Wire } from './emulator-wire.js';
import { createRng, mixSeed } from './rng.js';
import type { Rng } from './rng.js';
import type { CanFrame, CanTransport } from './types.js';

export type { BusNodeOptions, BusNodeStats, BusStats, EmulatorBusOptions } from './emulator-bus-options.js';

/** One attached node. */
export interface BusNode {
  /** Attach order, from 0. */
  readonly index: number;
  readonly name: string;
  /** The node's end of the bus. Closing it detaches the node. */
  readonly transport: CanTransport;
  readonly stats: BusNodeStats;
  /** False once the transport was closed (or the bus closed). */
  readonly attached: boolean;
}

export interface EmulatorBus {
  readonly name: string;
  readonly bitRate: number;
  readonly stats: BusStats;
  /** Every node attached so far, detached ones included, in attach order. */
  readonly nodes: readonly BusNode[];
  /** Attach a new node; it receives frames that leave the wire from now on. */
  attach(options?: BusNodeOptions): BusNode;
  /** Close every node. */
  close(): Promise<void>;
}

interface NodeState {
  readonly stats: BusNodeStats;
  readonly queue: TxQueue<CanFrame>;
  readonly rx: Subject<CanFrame>;
  readonly rng: Rng;
  readonly loss: number;
  /** Milliseconds per frame read, 0 when unlimited. */
  readonly readMs: number;
  readonly rxCapacity: number;
  readonly receiveOwn: boolean;
  closed: boolean;
  /** Frames in the receive queue, not yet read. */
  readonly waiting: Set<EventHandle>;
  lastReadAt: number;
}

function checked(bus: string, name: string, v: number, ok: (v: number) => boolean, what: string): number {
  if (!ok(v)) throw new UsageError('bad_emulator_option', `${bus}: ${name} must be ${what}, got ${v}`);
  return v;
}

/** Create an empty bus; attach nodes with `attach`. */
export function createEmulatorBus(options: EmulatorBusOptions = {}): EmulatorBus {
  const name = options.name ?? 'emulator-bus';
  const bitRate = options.bitRate ?? 1_000_000;
  const mode = canMode({ mode: 'can', bitRate, dataBitRate: options.dataBitRate, fd: options.fd });
  const latencyMs = checked(name, 'latencyMs', options.latencyMs ?? 0, (v) => Number.isFinite(v) && v >= 0, '>= 0');
  const seed = options.seed ?? 1;
  const timeline = new Timeline(options.scheduler ?? asyncScheduler);
  const stats: BusStats = { frames: 0, busyMs: 0 };
  const states: NodeState[] = [];
  const nodes: BusNode[] = [];

  const receive = (st: NodeState, frame: CanFrame, arrive: number, own: boolean): void => {
    if (!own && st.loss > 0 && st.rng.next() < st.loss) {
      st.stats.lost++;
      return;
    }
    let at = arrive;
    if (st.readMs > 0) {
      if (st.waiting.size >= st.rxCapacity) {
        st.stats.overruns++;
        return;
      }
      at = Math.max(arrive, st.lastReadAt + st.readMs);
      st.lastReadAt = at;
    }
    const copy = mode.copy(frame);
    const handle = timeline.at(at, () => {
      st.waiting.delete(handle);
      if (st.closed) return;
      st.stats.framesReceived++;
      st.rx.next(copy);
    });
    st.waiting.add(handle);
  };

  const wire = new Wire<CanFrame>(
    timeline,
    [],
    (f) => mode.durationMs(f),
    (a, b) => mode.wins(a, b),
    (index, frame, end, ms) => {
      stats.frames++;
      stats.busyMs += ms;
      const sender = states[index];
      if (sender !== undefined) sender.stats.framesSent++;
      for (const st of states) {
        if (st.closed || (st === sender && !st.receiveOwn)) continue;
        receive(st, frame, end + latencyMs, st === sender);
      }
    },
  );

  const attach = (o: BusNodeOptions = {}): BusNode => {
    const index = states.length;
    const label = `${name}/${o.name ?? `node${index}`}`;
    const loss = checked(label, 'loss', o.loss ?? 0, (v) => v >= 0 && v <= 1, 'a probability 0..1');
    const rate = checked(label, 'rxFramesPerSecond', o.rxFramesPerSecond ?? Infinity, (v) => v > 0, 'a positive number');
    const rxCapacity = checked(label, 'rxQueueFrames', o.rxQueueFrames ?? 64, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
    const txCapacity = checked(label, 'txQueueFrames', o.txQueueFrames ?? 8, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
    const rx = new Subject<CanFrame>();
    const queue = new TxQueue<CanFrame>(txCapacity, () => 1);
    const nodeStats = emptyNodeStats();
    const st: NodeState = {
      stats: nodeStats,
      queue,
      rx,
      rng: createRng(mixSeed(seed, index)),
      loss,
      readMs: Number.isFinite(rate) ? 1000 / rate : 0,
      rxCapacity,
      receiveOwn: o.receiveOwn ?? false,
      closed: false,
      waiting: new Set(),
      lastReadAt: -Infinity,
    };
    const transport: CanTransport = {
      kind: 'emulator',
      name: label,
      framing: 'can',
      fd: options.fd ?? false,
      rx$: rx.asObservable(),
      send: (frame: CanFrame): Promise<void> => {
        if (st.closed) return Promise.reject(new LinkError('link_closed', label, `${label}: send after close`));
        const invalid = mode.validate(frame, label);
        if (invalid !== undefined) return Promise.reject(invalid);
        return queue.offer(mode.copy(frame), timeline.now());
      },
      close: (): Promise<void> => {
        if (st.closed) return Promise.resolve();
        st.closed = true;
        const error = new LinkError('link_closed', label, `${label}: closed while a send was still pending`);
        nodeStats.discarded += queue.flush(error, wire.onWire(index));
        for (const h of st.waiting) h.cancel();
        nodeStats.discarded += st.waiting.size;
        st.waiting.clear();
        rx.complete();
        return Promise.resolve();
      },
    };
    const node: BusNode = {
      index,
      name: label,
      transport,
      stats: nodeStats,
      get attached() {
        return !st.closed;
      },
    };
    states.push(st);
    nodes.push(node);
    wire.add(queue);
    return node;
  };

  return {
    name,
    bitRate,
    stats,
    nodes,
    attach,
    close: async () => {
      await Promise.all(nodes.map((n) => n.transport.close()));
    },
  };
}

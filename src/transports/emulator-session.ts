/**
 * One connected lifetime of an emulated link: two endpoints, their transmit
 * queues and the wire(s) between them. A disconnect ends the session for good;
 * `reconnect` builds a new one on the same timeline, faults and stats.
 */
import { Subject } from 'rxjs';
import { LinkError, UsageError } from '../errors.js';
import type { FaultInjector } from './emulator-faults.js';
import type { ModeOps } from './emulator-modes.js';
import type { DirectionStats } from './emulator-options.js';
import type { EventHandle, Timeline } from './emulator-timeline.js';
import { TxQueue, Wire } from './emulator-wire.js';
import type { Transport } from './types.js';

/** Side 0 is the host (sends toTarget, direction 0); side 1 the target (sends toHost, direction 1). */
export type Side = 0 | 1;

/** Shared, long-lived parts of the link a session runs on. */
export interface LinkContext<U> {
  readonly name: string;
  readonly timeline: Timeline;
  readonly mode: ModeOps<U>;
  readonly latencyMs: number;
  readonly injectors: readonly [FaultInjector<U>, FaultInjector<U>];
  readonly stats: readonly [DirectionStats, DirectionStats];
}

/** Disconnect trigger counting units of the given directions. */
export interface DisconnectTrigger {
  readonly afterUnits?: number;
  readonly directions: readonly Side[];
  readonly atMs?: number;
}

/** A scheduled event of this session; `delivery` names the direction of a unit on its way. */
interface InFlight {
  handle: EventHandle;
  readonly delivery: Side | undefined;
}

interface Endpoint<U> {
  readonly transport: Transport<U>;
  readonly rx: Subject<U>;
  closed: boolean;
}

const SIDE_NAMES = ['host', 'target'] as const;

export class Session<U> {
  alive = true;
  readonly transports: readonly [Transport<U>, Transport<U>];
  private readonly endpoints: [Endpoint<U>, Endpoint<U>];
  private readonly queues: readonly [TxQueue<U>, TxQueue<U>];
  private readonly wires: readonly Wire<U>[];
  private readonly inFlight = new Set<InFlight>();
  private readonly holdTokens: [number, number] = [0, 0];
  private counted = 0;
  private atHandle: EventHandle | undefined;
  /** Byte streams: each end's current line rate, bit/s. */
  private readonly rates: [number, number];
  /** `setBaudRate` calls waiting for their side's transmit queue to drain. */
  private readonly drainWaiters: [(() => void)[], (() => void)[]] = [[], []];
  /** Units per direction sent above the marginal rate (every Nth is garbled). */
  private readonly marginalCount: [number, number] = [0, 0];

  constructor(
    private readonly ctx: LinkContext<U>,
    private readonly trigger: DisconnectTrigger | undefined,
  ) {
    const { mode, timeline } = ctx;
    const q = (): TxQueue<U> => new TxQueue<U>(mode.capacity, (u) => mode.queueSize(u));
    this.queues = [q(), q()];
    const done = (side: Side) => (_queue: number, unit: U, end: number, ms: number): void => this.transmitted(side, unit, end, ms);
    const wins = (a: U, b: U): boolean => mode.wins(a, b);
    const dur = (u: U): number => mode.durationMs(u);
    const lr = mode.lineRate;
    this.rates = [lr?.initial ?? 0, lr?.initial ?? 0];
    const durOf = (side: Side) => (lr === undefined ? dur : (u: U): number => lr.durationMs(u, this.rates[side]));
    this.wires = mode.sharedBus
      ? [new Wire(timeline, this.queues, dur, wins, (queue, u, end, ms) => done(queue === 0 ? 0 : 1)(queue, u, end, ms))]
      : [new Wire(timeline, [this.queues[0]], durOf(0), wins, done(0)), new Wire(timeline, [this.queues[1]], durOf(1), wins, done(1))];
    this.endpoints = [this.makeEndpoint(0), this.makeEndpoint(1)];
    this.transports = [this.endpoints[0].transport, this.endpoints[1].transport];
    if (trigger?.atMs !== undefined) {
      this.atHandle = timeline.at(timeline.now() + trigger.atMs, () => this.disconnect());
    }
  }

  /** End the session: pending and future sends reject, both rx$ error with LinkError('link_disconnected'). */
  disconnect(): void {
    if (!this.alive) return;
    this.alive = false;
    this.atHandle?.cancel();
    const error = new LinkError(
      'link_disconnected',
      this.ctx.name,
      `${this.ctx.name}: the link went away (emulated disconnect); reconnect and resume`,
    );
    for (const w of this.wires) w.stop();
    this.releaseDrainWaiters();
    this.ctx.stats[0].discarded += this.queues[0].flush(error);
    this.ctx.stats[1].discarded += this.queues[1].flush(error);
    for (const f of this.inFlight) {
      f.handle.cancel();
      if (f.delivery !== undefined) this.ctx.stats[f.delivery].discarded++;
    }
    this.inFlight.clear();
    this.ctx.stats[0].discarded += this.ctx.injectors[0].takeHeld().length;
    this.ctx.stats[1].discarded += this.ctx.injectors[1].takeHeld().length;
    for (const ep of this.endpoints) ep.rx.error(error);
  }

  private makeEndpoint(side: Side): Endpoint<U> {
    const { name, mode, timeline } = this.ctx;
    const label = `${name} (${SIDE_NAMES[side]} end)`;
    const rx = new Subject<U>();
    const ep: Endpoint<U> = {
      rx,
      closed: false,
      transport: {
        kind: 'emulator',
        name: label,
        rx$: rx.asObservable(),
        send: (unit: U): Promise<void> => {
          if (ep.closed) return Promise.reject(new LinkError('link_closed', label, `${label}: send after close`));
          if (!this.alive) {
            return Promise.reject(
              new LinkError('link_disconnected', label, `${label}: the link is disconnected; reconnect before sending`),
            );
          }
          const invalid = mode.validate(unit, label);
          if (invalid !== undefined) return Promise.reject(invalid);
          return this.queues[side].offer(mode.copy(unit), timeline.now());
        },
        close: (): Promise<void> => {
          if (ep.closed) return Promise.resolve();
          ep.closed = true;
          const error = new LinkError('link_closed', label, `${label}: closed while a send was still pending`);
          const wire = this.wires[this.wires.length === 1 ? 0 : side];
          this.ctx.stats[side].discarded += this.queues[side].flush(error, wire?.onWire(side));
          rx.complete();
          return Promise.resolve();
        },
      },
    };
    Object.assign(ep.transport, mode.framingProps);
    if (mode.lineRate !== undefined) Object.assign(ep.transport, { setBaudRate: (bitRate: number) => this.setBaudRate(side, ep, label, bitRate) });
    return ep;
  }

  /** This end's line rate from now on, once every unit it already queued has left the wire (tcdrain, then the new divisor). */
  private setBaudRate(side: Side, ep: Endpoint<U>, label: string, bitRate: number): Promise<void> {
    if (ep.closed) return Promise.reject(new LinkError('link_closed', label, `${label}: setBaudRate after close`));
    if (!this.alive) return Promise.reject(new LinkError('link_disconnected', label, `${label}: the link is disconnected`));
    if (!(Number.isFinite(bitRate) && bitRate > 0)) {
      return Promise.reject(new UsageError('bad_emulator_option', `${label}: cannot set a line rate of ${bitRate} bit/s`));
    }
    return new Promise<void>((resolve) => {
      const apply = (): void => {
        this.rates[side] = bitRate;
        resolve();
      };
      if (this.queues[side].items.length === 0) apply();
      else this.drainWaiters[side].push(apply);
    });
  }

  /** The current line rate of an end (byte streams; 0 for CAN). */
  rateOf(side: Side): number {
    return this.rates[side];
  }

  private releaseDrainWaiters(): void {
    for (const side of [0, 1] as const) for (const w of this.drainWaiters[side].splice(0)) w();
  }

  private transmitted(dir: Side, sent: U, end: number, ms: number): void {
    const { stats, injectors, latencyMs, mode } = this.ctx;
    const s = stats[dir];
    s.unitsSent++;
    s.bytesSent += mode.payloadBytes(sent);
    s.wireMs += ms;
    const lr = mode.lineRate;
    let unit = sent;
    const marginal = lr?.marginal !== undefined && this.rates[dir] > lr.marginal.bitRate && ++this.marginalCount[dir] % lr.marginal.garbleEvery === 0;
    if (lr !== undefined && (this.rates[0] !== this.rates[1] || this.rates[dir] > lr.max || marginal)) {
      unit = lr.garble(sent);
      s.rateGarbled++;
    }
    if (lr !== undefined && this.queues[dir].items.length === 0) for (const w of this.drainWaiters[dir].splice(0)) w();
    const arrive = end + latencyMs;
    const injector = injectors[dir];
    const decision = injector.decide(unit);
    for (const u of decision.deliver) this.deliverAt(dir, u, arrive);
    if (decision.held) {
      const token = ++this.holdTokens[dir];
      this.schedule(arrive + injector.maxHoldMs, undefined, () => {
        if (this.holdTokens[dir] !== token) return;
        for (const u of injector.takeHeld()) this.deliver(dir, u);
      });
    }
    const trig = this.trigger;
    if (trig?.afterUnits !== undefined && trig.directions.includes(dir)) {
      this.counted++;
      if (this.counted === trig.afterUnits) this.schedule(arrive, undefined, () => this.disconnect());
    }
  }

  private deliverAt(dir: Side, unit: U, time: number): void {
    this.schedule(time, dir, () => this.deliver(dir, unit));
  }

  private deliver(dir: Side, unit: U): void {
    const s = this.ctx.stats[dir];
    const receiver = this.endpoints[dir === 0 ? 1 : 0];
    if (receiver.closed) {
      s.discarded++;
      return;
    }
    s.unitsDelivered++;
    s.bytesDelivered += this.ctx.mode.payloadBytes(unit);
    receiver.rx.next(unit);
  }

  private schedule(time: number, delivery: Side | undefined, run: () => void): void {
    const entry: InFlight = { handle: { cancel: () => undefined }, delivery };
    entry.handle = this.ctx.timeline.at(time, () => {
      this.inFlight.delete(entry);
      run();
    });
    this.inFlight.add(entry);
  }
}

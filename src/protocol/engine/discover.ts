/**
 * The host's side of discovery (docs/protocol.md sections 3.5 and 4.7),
 * on an open CAN transport it is given. `discover` sends DISCOVER to every
 * node in rounds, each with a fresh nonce (so the replies' keys, and any
 * collision of two keys, change from round to round), gathers the ANNOUNCEs,
 * and stops once `stableRounds` rounds in a row found no new node and left
 * no reply it could not read from a node it does not know yet.
 */
import { randomInt } from 'node:crypto';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { LinkError } from '../../errors.js';
import type { CanTransport } from '../../transports/types.js';
import { GroupReceiver, discoverFrame } from '../messages-discovery-can.js';
import type { GroupUnit } from '../messages-discovery-can.js';
import { DiscoveryType, decodeAnnounce, replyKey } from '../messages-discovery.js';
import type { AnnounceMsg } from '../messages-discovery.js';
import { Timer } from './timer.js';

export interface DiscoverOptions {
  readonly scheduler?: SchedulerLike;
  /** Nodes spread their replies over this many ms (DISCOVER spreadMs; default 20). */
  readonly spreadMs?: number;
  /** A round ends this long after the last reply segment, and no sooner than spreadMs + quietMs after DISCOVER (default 10). */
  readonly quietMs?: number;
  /** Longest round, ms (default 1000). */
  readonly roundMaxMs?: number;
  /** Rounds in a row without a new node that end the search (default 2). */
  readonly stableRounds?: number;
  /** Most rounds (default 16); reaching it leaves the result marked not stable. */
  readonly maxRounds?: number;
  /** Nonce of each round (default: random). */
  readonly nonce?: (round: number) => number;
  /** Called after each round. */
  readonly onRound?: (round: DiscoveryRound) => void;
}

export const DISCOVER_DEFAULTS = { spreadMs: 20, quietMs: 10, roundMaxMs: 1000, stableRounds: 2, maxRounds: 16 } as const;

/** A node as its latest ANNOUNCE describes it. */
export type DiscoveredNode = Omit<AnnounceMsg, 'nonce'>;

export interface DiscoveryRound {
  readonly round: number;
  /** Nodes whose ANNOUNCE arrived in this round. */
  readonly answered: number;
  /** Nodes first seen in this round. */
  readonly newNodes: number;
  /** Reply keys with segments but no readable ANNOUNCE, from no known node. */
  readonly unresolved: number;
  readonly ms: number;
}

/** A node id announced by more than one node. */
export interface NodeIdConflict {
  readonly nodeId: number;
  readonly hardwareIds: readonly string[];
}

export interface DiscoveryResult {
  /** By node id (none last), then hardware id. */
  readonly nodes: readonly DiscoveredNode[];
  readonly rounds: readonly DiscoveryRound[];
  /** False when maxRounds ended the search before the answers were stable. */
  readonly stable: boolean;
  readonly conflicts: readonly NodeIdConflict[];
  readonly elapsedMs: number;
}

/** One subscription to the group traffic of a transport, for a sequence of exchanges. */
export class GroupListener {
  private readonly receiver = new GroupReceiver();
  private readonly sub: Subscription;
  private handler: ((u: GroupUnit, at: number) => void) | undefined;
  private failure: Error | undefined;
  private onFailure: ((e: unknown) => void) | undefined;

  constructor(
    readonly transport: CanTransport,
    readonly scheduler: SchedulerLike,
  ) {
    this.sub = transport.rx$.subscribe({
      next: (cf) => {
        const u = this.receiver.push(cf);
        if (u !== undefined) this.handler?.(u, scheduler.now());
      },
      error: (e: unknown) => this.fail(e),
      complete: () => this.fail(new LinkError('link_closed', transport.name, `${transport.name}: the link closed during discovery`)),
    });
  }

  private fail(e: unknown): void {
    const name = this.transport.name;
    this.failure ??= e instanceof Error ? e : new LinkError('link_disconnected', name, `${name}: the link failed during discovery (${String(e)})`);
    this.onFailure?.(e);
  }

  /**
   * Run one exchange: `handle` sees every group unit until `start`'s returned
   * promise settles. Rejects at once when the link fails.
   */
  async exchange<T>(handle: (u: GroupUnit, at: number) => void, run: () => Promise<T>): Promise<T> {
    if (this.failure !== undefined) throw this.failure;
    this.handler = handle;
    try {
      return await new Promise<T>((resolve, reject) => {
        this.onFailure = reject;
        run().then(resolve, reject);
      });
    } finally {
      this.handler = undefined;
      this.onFailure = undefined;
    }
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

function byNodeThenId(a: DiscoveredNode, b: DiscoveredNode): number {
  const na = a.nodeId === 0 ? 256 : a.nodeId;
  const nb = b.nodeId === 0 ? 256 : b.nodeId;
  return na - nb || (a.hardwareId < b.hardwareId ? -1 : a.hardwareId > b.hardwareId ? 1 : 0);
}

/** Node ids announced by more than one hardware id. */
export function nodeIdConflicts(nodes: readonly DiscoveredNode[]): NodeIdConflict[] {
  const by = new Map<number, string[]>();
  for (const n of nodes) if (n.nodeId !== 0) by.set(n.nodeId, [...(by.get(n.nodeId) ?? []), n.hardwareId]);
  return [...by].filter(([, ids]) => ids.length > 1).map(([nodeId, hardwareIds]) => ({ nodeId, hardwareIds: hardwareIds.sort() }));
}

/** Find every node on the bus `transport` is attached to. */
export async function discover(transport: CanTransport, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const listener = new GroupListener(transport, options.scheduler ?? asyncScheduler);
  try {
    return await discoverWith(listener, options);
  } finally {
    listener.close();
  }
}

/** `discover` on a listener the caller keeps (to assign ids afterwards on the same subscription). */
export async function discoverWith(listener: GroupListener, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const o = { ...DISCOVER_DEFAULTS, ...options };
  const { scheduler, transport } = listener;
  const nonceOf = options.nonce ?? (() => randomInt(0, 0x1_0000_0000));
  const nodes = new Map<string, DiscoveredNode>();
  const rounds: DiscoveryRound[] = [];
  const started = scheduler.now();
  let quiet = 0;
  while (rounds.length < o.maxRounds && quiet < o.stableRounds) {
    const round = rounds.length + 1;
    const nonce = nonceOf(round) >>> 0;
    const roundStart = scheduler.now();
    const answered = new Set<string>();
    const partial = new Set<number>();
    const complete = new Set<number>();
    let newNodes = 0;
    const timer = new Timer(scheduler);
    let finish: () => void = () => undefined;
    const endRound = (): void => finish();
    await listener.exchange(
      (u, at) => {
        if (u.kind === 'discover' || u.from !== 'node') return;
        if (timer.armed && at + o.quietMs > timer.due) {
          const end = Math.min(roundStart + o.roundMaxMs, at + o.quietMs);
          if (end > timer.due) timer.set(end - scheduler.now(), endRound);
        }
        if (u.kind === 'segment') {
          partial.add(u.key);
          return;
        }
        if (u.frame.type !== DiscoveryType.ANNOUNCE) return;
        const d = decodeAnnounce(u.frame.payload);
        if (!d.ok) return;
        complete.add(u.key);
        const { nonce: _n, ...node } = d.msg;
        if (!nodes.has(node.hardwareId)) newNodes++;
        nodes.set(node.hardwareId, node);
        answered.add(node.hardwareId);
      },
      async () => {
        // Twice, back to back: a node on a lossy bus then misses a round only when it loses both copies.
        const frame = discoverFrame({ nonce, spreadMs: o.spreadMs });
        await transport.send(frame);
        await transport.send(frame);
        await new Promise<void>((resolve) => {
          finish = resolve;
          timer.set(o.spreadMs + o.quietMs, endRound);
        });
      },
    );
    const known = new Set([...nodes.keys()].map((hw) => replyKey(nonce, hw)));
    const unresolved = [...partial].filter((k) => !complete.has(k) && !known.has(k)).length;
    const r: DiscoveryRound = { round, answered: answered.size, newNodes, unresolved, ms: scheduler.now() - roundStart };
    rounds.push(r);
    options.onRound?.(r);
    quiet = newNodes === 0 && unresolved === 0 ? quiet + 1 : 0;
  }
  const list = [...nodes.values()].sort(byNodeThenId);
  return { nodes: list, rounds, stable: quiet >= o.stableRounds, conflicts: nodeIdConflicts(list), elapsedMs: scheduler.now() - started };
}

/**
 * The host's ASSIGN (docs/protocol.md sections 4.7.3-4.7.5): give node ids to
 * discovered nodes that have none, by hardware id. An id is never one in
 * use: not one any discovered node announced, not one a node refused as held
 * by another (in_use), not one given before, and not one whose ASSIGN went
 * unanswered (the node may have taken it and only its ASSIGNED was lost).
 * Each ASSIGN is repeated until its ASSIGNED arrives; a repeat of an ASSIGN
 * the node already took is answered ok again.
 */
import type { SchedulerLike } from 'rxjs';
import { groupSegments } from '../messages-discovery-can.js';
import { DiscoveryType, decodeAssigned, encodeAssign } from '../messages-discovery.js';
import type { AssignedMsg, AssignResultName } from '../messages-discovery.js';
import type { DiscoveredNode, GroupListener } from './discover.js';
import { Timer } from './timer.js';

export interface AssignOptions {
  /** Wait for ASSIGNED per try, ms (default 50). */
  readonly timeoutMs?: number;
  /** Tries per ASSIGN (default 8). */
  readonly tries?: number;
  /** Highest id to give (default 254; 31 for nodes addressed with 11-bit identifiers). */
  readonly maxNodeId?: number;
  /** Send CAN FD segments. Default: the transport's fd. */
  readonly fd?: boolean;
}

export const ASSIGN_DEFAULTS = { timeoutMs: 50, tries: 8, maxNodeId: 254 } as const;

export interface AssignOutcome {
  readonly hardwareId: string;
  /** ok, the node's refusal, no_answer (every try went unanswered) or no_free_id. */
  readonly result: AssignResultName | 'no_answer' | 'no_free_id';
  /** The node id the node has now as far as the host knows (0: none). */
  readonly nodeId: number;
  /** Ids the host asked for, in order. */
  readonly asked: readonly number[];
  /** in_use: the hardware id holding the last id refused, when the node said. */
  readonly holder: string | null;
}

/** Send ASSIGN until the node answers or the tries run out; undefined when it never answered. */
export async function assignOne(
  listener: GroupListener,
  hardwareId: string,
  nodeId: number,
  options: AssignOptions = {},
): Promise<AssignedMsg | undefined> {
  const o = { ...ASSIGN_DEFAULTS, ...options };
  const { transport, scheduler } = listener;
  const frames = groupSegments(DiscoveryType.ASSIGN, encodeAssign({ hardwareId, nodeId }), { role: 'host' }, o.fd ?? transport.fd);
  let answer: AssignedMsg | undefined;
  let wake: () => void = () => undefined;
  return listener.exchange(
    (u) => {
      if (u.kind !== 'frame' || u.from !== 'node' || u.frame.type !== DiscoveryType.ASSIGNED) return;
      const d = decodeAssigned(u.frame.payload);
      if (d.ok && d.msg.hardwareId === hardwareId) {
        answer = d.msg;
        wake();
      }
    },
    async () => {
      for (let t = 0; t < o.tries && answer === undefined; t++) {
        for (const f of frames) await transport.send(f);
        await waitFor(scheduler, o.timeoutMs, (w) => (wake = w), () => answer !== undefined);
      }
      return answer;
    },
  );
}

/** Resolve after `ms`, or as soon as `wake` is called with `done()` true. */
function waitFor(scheduler: SchedulerLike, ms: number, setWake: (w: () => void) => void, done: () => boolean): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = new Timer(scheduler);
    const finish = (): void => {
      timer.clear();
      resolve();
    };
    setWake(finish);
    timer.set(ms, finish);
  });
}

/** Give the lowest free ids to the nodes among `nodes` that have none, in hardware id order. */
export async function assignNodeIds(
  listener: GroupListener,
  nodes: readonly DiscoveredNode[],
  options: AssignOptions = {},
): Promise<AssignOutcome[]> {
  const maxNodeId = options.maxNodeId ?? ASSIGN_DEFAULTS.maxNodeId;
  const used = new Set(nodes.map((n) => n.nodeId).filter((id) => id !== 0));
  const lowestFree = (): number | undefined => {
    for (let id = 1; id <= maxNodeId; id++) if (!used.has(id)) return id;
    return undefined;
  };
  const out: AssignOutcome[] = [];
  const pending = nodes.filter((n) => n.nodeId === 0).sort((a, b) => (a.hardwareId < b.hardwareId ? -1 : 1));
  for (const node of pending) {
    const asked: number[] = [];
    let outcome: AssignOutcome | undefined;
    while (outcome === undefined) {
      const id = lowestFree();
      if (id === undefined) {
        outcome = { hardwareId: node.hardwareId, result: 'no_free_id', nodeId: 0, asked, holder: null };
        break;
      }
      asked.push(id);
      used.add(id); // whatever the answer: given, held by another, or perhaps taken unheard
      const answer = await assignOne(listener, node.hardwareId, id, { ...options, maxNodeId });
      if (answer === undefined) outcome = { hardwareId: node.hardwareId, result: 'no_answer', nodeId: 0, asked, holder: null };
      else if (answer.result !== 'in_use') outcome = { hardwareId: node.hardwareId, result: answer.result, nodeId: answer.nodeId, asked, holder: null };
      else if (asked.length >= 4) outcome = { hardwareId: node.hardwareId, result: 'in_use', nodeId: answer.nodeId, asked, holder: answer.holder };
    }
    out.push(outcome);
  }
  return out;
}

/** The lines of `hilbridge flash --nodes ... --json`, a broadcast session (docs/cli.md, "flash --nodes"). */
import { z } from 'zod';
import type { BcastNodeResult, BcastResult } from '../../protocol/engine/index.js';
import { Count, Crc32Hex, ErrorObject, Millis, Sha256Hex, SlotNumber } from './common.js';

/** One node's outcome, one line per node in the order --nodes named them. */
export const BcastNodeLine = z.strictObject({
  event: z.literal('bcast_node'),
  node: z.number().int().min(1).max(254),
  /** ok: committed and its CRC-32 checked; refused: at JOIN or while the image arrived (reason in error); failed: at verify/commit; lost: stopped answering; aborted: kept its old image (--all-or-none). */
  result: z.enum(['ok', 'refused', 'failed', 'lost', 'aborted']),
  bytesRepaired: Count,
  retries: Count,
  timeMs: Millis,
  slot: SlotNumber.optional(),
  error: ErrorObject.optional(),
});

export const BcastCounters = z.strictObject({
  dataFrames: Count,
  repairFrames: Count,
  announceFrames: Count,
  ctrlFrames: Count,
  replies: Count,
  repairPasses: Count,
});

/** The last line: ok only if every node is ok. */
export const BcastResultLine = z.strictObject({
  event: z.literal('bcast_result'),
  ok: z.boolean(),
  session: Count,
  size: Count,
  fileCrc32: Crc32Hex,
  sha256: Sha256Hex,
  allOrNone: z.boolean(),
  nodes: Count,
  okNodes: Count,
  timeMs: Millis,
  counters: BcastCounters,
});

export function bcastNodeLine(n: BcastNodeResult): z.infer<typeof BcastNodeLine> {
  return {
    event: 'bcast_node', node: n.node, result: n.result, bytesRepaired: n.bytesRepaired, retries: n.retries, timeMs: n.timeMs,
    ...(n.slot === undefined ? {} : { slot: n.slot }), ...(n.error === undefined ? {} : { error: { ...n.error } }),
  };
}

export function bcastResultLine(r: BcastResult, image: { size: number; fileCrc32: string; sha256: string }, allOrNone: boolean): z.infer<typeof BcastResultLine> {
  return {
    event: 'bcast_result', ok: r.ok, session: r.session, size: image.size, fileCrc32: image.fileCrc32, sha256: image.sha256, allOrNone, nodes: r.nodes.length,
    okNodes: r.nodes.filter((n) => n.result === 'ok').length, timeMs: r.timeMs, counters: { ...r.counters },
  };
}

/** Lines of `hilbridge discover --json`: one `node` per node found, one `assigned` per ASSIGN (with --assign), then `discovery`. */
import { z } from 'zod';
import { Count, Millis, Sha256Hex } from './common.js';

const HardwareId = z.string().regex(/^[0-9a-f]{32}$/).describe('hardware id, 32 lowercase hex digits (16 bytes)');
const NodeId = z.number().int().min(1).max(254).nullable().describe('CAN node id, null when the node has none');

export const NodeLine = z.strictObject({
  event: z.literal('node'),
  nodeId: NodeId,
  hardwareId: HardwareId,
  protocolVersion: Count,
  /** INFO capability bits as a number (HXE requirement bits 0..15, loader bits above). */
  capabilities: Count,
  /** The node's state: IDLE, READY, FAILED, RECOVERY, ... */
  state: z.string(),
  /** What the active slot holds. */
  imageKind: z.enum(['none', 'hxe', 'bundle']),
  /** App or bundle name; null for none. */
  imageName: z.string().nullable(),
  /** A bundle's security counter; null for an HXE image (it has none) and for none. */
  imageVersion: Count.nullable(),
  imageSha256: Sha256Hex.nullable(),
});

export const AssignedLine = z.strictObject({
  event: z.literal('assigned'),
  hardwareId: HardwareId,
  /** ok; in_use, bad_id, fram_error: the node refused; no_answer: no ASSIGNED came back; no_free_id: every id is taken. */
  result: z.enum(['ok', 'in_use', 'bad_id', 'fram_error', 'no_answer', 'no_free_id']),
  /** The node's id now as far as the host knows. */
  nodeId: NodeId,
  /** Ids asked for, in order (an id refused as in use is followed by the next free one). */
  asked: z.array(z.number().int().min(1).max(254)),
  /** in_use: the hardware id of the node holding it, when the node said; else null. */
  holder: HardwareId.nullable(),
});

export const DiscoveryLine = z.strictObject({
  event: z.literal('discovery'),
  /** True when nothing is wrong: answers stable, no node id held twice, every assignment ok. */
  ok: z.boolean(),
  nodes: Count,
  rounds: Count,
  /** False when the round limit ended the search before two rounds in a row found nothing new. */
  stable: z.boolean(),
  elapsedMs: Millis,
  /** Node ids announced by more than one node. */
  conflicts: z.array(z.strictObject({ nodeId: z.number().int().min(1).max(254), hardwareIds: z.array(HardwareId) })),
});

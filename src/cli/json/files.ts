/** Lines of the commands that read local files: `inspect`, `pack`, `fmap --fram`. */
import { z } from 'zod';
import { IMAGE_ORIGINS } from '../../fram/slot.js';
import { PARTITION_NAMES } from '../../fram/layout.js';
import { IMAGE_POLICIES } from '../../fram/trust.js';
import type { FramMap } from '../../fram/map-types.js';
import { Count, Crc32Hex, Sha256Hex, SlotLetter, crc32FromHexText } from './common.js';

const Value = z.strictObject({
  groupId: Count,
  valueId: Count,
  flags: Count,
  authLevel: Count,
  initRaw: Count,
  /** Decoded f16; null when NaN or infinite (JSON has no such numbers; initRaw keeps the bits). */
  init: z.number().nullable(),
  name: z.string().nullable(),
  unit: z.string().nullable(),
  epsilonRaw: Count,
  minRaw: Count,
  maxRaw: Count,
  persistKey: Count,
  groupName: z.string().nullable(),
});

const Command = z.strictObject({
  groupId: Count,
  cmdId: Count,
  flags: Count,
  authLevel: Count,
  handlerOffset: Count,
  name: z.string().nullable(),
  help: z.string().nullable(),
  groupName: z.string().nullable(),
});

const Mailbox = z.strictObject({
  target: z.string(),
  capacity: Count,
  modeMask: Count,
  ownerPid: Count.nullable(),
  bindings: z.array(z.strictObject({ pid: Count, flags: Count })),
});

/** inspect: one line per file, in order; every key present, null where unknown. */
export const ImageLine = z.strictObject({
  event: z.literal('image'),
  path: z.string(),
  valid: z.boolean(),
  /** Why the image is invalid or unreadable; offset is the byte offset to blame, or null. */
  error: z.strictObject({ code: z.string(), message: z.string(), offset: Count.nullable() }).nullable(),
  version: Count.nullable(),
  flags: Count.nullable(),
  entry: Count.nullable(),
  codeLen: Count.nullable(),
  roLen: Count.nullable(),
  bssSize: Count.nullable(),
  reqCaps: Count.nullable(),
  /** The CRC-32 field of the header. */
  headerCrc32: Crc32Hex.nullable(),
  /** What the header's CRC-32 should be, computed over the bytes it covers (null when not computed). */
  computedHeaderCrc32: Crc32Hex.nullable(),
  appName: z.string().nullable(),
  allowMultipleInstances: z.boolean().nullable(),
  metaOffset: Count.nullable(),
  metaCount: Count.nullable(),
  size: Count.nullable(),
  /** CRC-32 of the whole file (what BEGIN announces and `status` shows for a slot). */
  fileCrc32: Crc32Hex.nullable(),
  sha256: Sha256Hex.nullable(),
  values: z.array(Value).nullable(),
  commands: z.array(Command).nullable(),
  mailboxes: z.array(Mailbox).nullable(),
});
export type ImageLine = z.infer<typeof ImageLine>;

/** pack: the image was written. */
export const PackedLine = z.strictObject({
  event: z.literal('packed'),
  path: z.string(),
  size: Count,
  headerCrc32: Crc32Hex,
  fileCrc32: Crc32Hex,
  sha256: Sha256Hex,
});

const RecordStatus = z.enum(['valid', 'blank', 'incomplete', 'corrupt']);
const Origin = z.enum(IMAGE_ORIGINS);
const Range = z.strictObject({ start: Count, end: Count });
const Copy = z.strictObject({ copy: z.union([z.literal(0), z.literal(1)]), offset: Count, status: RecordStatus, seq: Count.nullable(), newest: z.boolean() });

const MapSlot = z.strictObject({
  slot: SlotLetter,
  headerOffset: Count,
  dataOffset: Count,
  capacity: Count,
  headerStatus: RecordStatus,
  role: z.enum(['active', 'previous', 'none']),
  appName: z.string().nullable(),
  size: Count.nullable(),
  fileCrc32: Crc32Hex.nullable(),
  sha256: Sha256Hex.nullable(),
  generation: Count.nullable(),
  source: Origin.nullable(),
  verified: z.boolean(),
  problem: z.enum(['header_blank', 'header_incomplete', 'header_corrupt', 'generation_mismatch', 'too_large', 'crc_mismatch', 'sha_mismatch', 'image_rejected']).nullable(),
  trial: z.boolean().nullable(),
  bootAttempts: Count.nullable(),
});

export const FramMapJson = z.strictObject({
  size: Count,
  layoutVersion: Count,
  partitions: z.array(z.strictObject({ id: Count, name: z.enum(PARTITION_NAMES), offset: Count, length: Count })),
  partitionTable: z.strictObject({ offset: Count, status: RecordStatus, matchesLayout: z.boolean() }),
  superblocks: z.array(Copy.extend({
    state: z.strictObject({
      layoutVersion: Count, deviceSize: Count, active: SlotLetter.nullable(), activeGen: Count, previous: SlotLetter.nullable(), previousGen: Count,
      trial: z.boolean(), bootAttempts: Count, maxAttempts: Count, resetPending: z.boolean(),
    }).nullable(),
  })),
  resetPending: z.boolean(),
  slots: z.array(MapSlot),
  staging: z.strictObject({
    copies: z.array(Copy), slot: SlotLetter, size: Count, sha256: Sha256Hex, source: Origin.nullable(), held: z.array(Range), missing: z.array(Range),
  }).nullable(),
  values: z.array(z.strictObject({
    offset: Count, cell: Count, status: RecordStatus, persistKey: Count.nullable(), length: Count, seq: Count, payload: z.string(), f16: Count.nullable(),
  })),
  wear: z.array(z.strictObject({ partition: z.enum(PARTITION_NAMES), bytes: Count, writes: Count })),
  settings: z.strictObject({ maxTrialBoots: Count, autoConfirm: z.boolean(), valueDebounceMs: Count, canNodeId: Count, stored: z.boolean() }),
  trust: z.strictObject({
    boardId: z.string(), policy: z.enum(IMAGE_POLICIES), securityCounter: Count, vendor: z.string(), boardClass: z.string(),
    keys: z.array(z.strictObject({ keyId: z.string(), publicKey: z.string() })), offset: Count,
  }).nullable(),
  findings: z.array(z.strictObject({ severity: z.enum(['info', 'error']), code: z.string(), offset: Count, message: z.string() })),
  bootable: z.boolean(),
  empty: z.boolean(),
});
export type FramMapJson = z.infer<typeof FramMapJson>;

/** fmap --fram: the decoded FRAM file. */
export const FramMapLine = z.strictObject({
  event: z.literal('fram_map'),
  fram: z.string(),
  map: FramMapJson,
});

/** The FRAM map in the vocabulary: each slot's CRC-32 as `fileCrc32` (hex without 0x). */
export function framMapJson(m: FramMap): FramMapJson {
  return {
    ...m,
    partitions: m.partitions.map((p) => ({ ...p })),
    // the state without the copy's seq, which the decoder leaves in it (it is on the copy already)
    superblocks: m.superblocks.map(({ state: st, ...s }) => ({
      ...s,
      state: st === null ? null : {
        layoutVersion: st.layoutVersion, deviceSize: st.deviceSize, active: st.active, activeGen: st.activeGen, previous: st.previous, previousGen: st.previousGen,
        trial: st.trial, bootAttempts: st.bootAttempts, maxAttempts: st.maxAttempts, resetPending: st.resetPending,
      },
    })),
    slots: m.slots.map(({ crc32, ...s }) => ({ ...s, fileCrc32: crc32 === null ? null : crc32FromHexText(crc32) })),
    staging: m.staging === null ? null : { ...m.staging, copies: m.staging.copies.map((c) => ({ ...c })), held: [...m.staging.held], missing: [...m.staging.missing] },
    values: [...m.values],
    wear: [...m.wear],
    settings: { ...m.settings },
    trust: m.trust === null ? null : { ...m.trust, keys: m.trust.keys.map((k) => ({ ...k })) },
    findings: [...m.findings],
  };
}

/**
 * The board's events, as zod schemas (the single definition: types are
 * inferred from them, tests and consumers validate against them, and
 * `z.toJSONSchema(BoardEventSchema)` documents them). Every event carries the
 * pid it concerns (0 = the loader itself, before a pid was assigned), the
 * loader phase it happened in, and a timestamp in ms from the board's
 * scheduler.
 */
import { z } from 'zod';
import { IMAGE_ORIGINS } from '../fram/index.js';

export const PhaseSchema = z.enum(['BOOT', 'IDLE', 'LOADING', 'VERIFY', 'READY', 'FAILED', 'ABORTING']);
export type Phase = z.infer<typeof PhaseSchema>;

const u32 = z.number().int().min(0).max(0xffffffff);
const slot = z.enum(['A', 'B']);
const base = {
  pid: z.number().int().nonnegative(),
  phase: PhaseSchema,
  timestamp: z.number().nonnegative(),
};

export const StartedEventSchema = z.object({
  type: z.literal('provisioning.started'),
  ...base,
  size: u32,
  crc32: u32,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  slot,
  source: z.enum(IMAGE_ORIGINS),
  /** True when BEGIN resumed an image the slot already partly held. */
  resumed: z.boolean(),
  heldBytes: u32,
});

export const ProgressEventSchema = z.object({
  type: z.literal('provisioning.progress'),
  ...base,
  /** Distinct image bytes written to the slot so far. */
  bytesWritten: u32,
  total: u32,
  /** Bytes of the contiguous prefix already verified. */
  verifiedBytes: u32,
});

export const CompleteEventSchema = z.object({
  type: z.literal('provisioning.complete'),
  ...base,
  slot,
  size: u32,
  crc32: u32,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  appName: z.string().nullable(),
  instance: z.string(),
  source: z.enum(IMAGE_ORIGINS),
  /** The new image runs in trial until confirmed. */
  trial: z.boolean(),
});

export const ErrorEventSchema = z.object({
  type: z.literal('provisioning.error'),
  ...base,
  /** Wire code name: EBUSY, crc_mismatch, missing_capability, ... */
  code: z.string().min(1),
  message: z.string(),
  /** Image byte offset the error refers to, or null. */
  offset: u32.nullable(),
});

export const AbortedEventSchema = z.object({
  type: z.literal('provisioning.aborted'),
  ...base,
  bytesWritten: u32,
  total: u32,
  reason: z.string(),
});

export const PersistedEventSchema = z.object({
  type: z.literal('provisioning.persisted'),
  ...base,
  /** restored: read back from FRAM; fallback: init value used (reason says why); saved: written; failed: the write failed. */
  action: z.enum(['restored', 'fallback', 'saved', 'failed']),
  persistKey: z.number().int().min(1).max(0xfffe),
  groupId: z.number().int().nonnegative(),
  valueId: z.number().int().nonnegative(),
  /** Raw f16 bit pattern now in effect. */
  raw: z.number().int().min(0).max(0xffff),
  /** FRAM offset of the record involved, or null. */
  offset: u32.nullable(),
  reason: z.enum(['missing', 'interrupted', 'corrupt', 'schema_changed']).nullable(),
  message: z.string().nullable(),
});

export const RollbackEventSchema = z.object({
  type: z.literal('provisioning.rollback'),
  ...base,
  from: slot.nullable(),
  to: slot,
  /** trial_exhausted / active_corrupt: the board fell back at boot; host: ROLLBACK was requested. */
  reason: z.enum(['trial_exhausted', 'active_corrupt', 'host']),
  appName: z.string().nullable(),
  detail: z.string(),
});

/** The boot sources (src/fram/bootcfg.ts): host preload, SD card, CAN/UART master. */
const bootSource = z.enum(['host', 'sd', 'can']);

/** A boot source at power-on (src/board/provision.ts): scanned, not given, unreadable, the one whose image runs, none usable, or the board waits for a master. */
export const SourceEventSchema = z.object({
  type: z.literal('provisioning.source'),
  ...base,
  source: bootSource,
  /** The directory or card scanned; null when the board was not given this source (and for can). */
  name: z.string().nullable(),
  /** scan: listed; unavailable: not given; failed: could not be read; chosen: its image runs; none: nothing usable for this node; kept: the image a master provisioned runs; wait: waiting for a master. */
  action: z.enum(['scan', 'unavailable', 'failed', 'chosen', 'none', 'kept', 'wait']),
  /** Entries the source lists for this node (0 when not scanned). */
  entries: z.number().int().nonnegative(),
  detail: z.string(),
});

/** One image entry of a boot source (src/board/provision.ts). */
export const EntryEventSchema = z.object({
  type: z.literal('provisioning.entry'),
  ...base,
  source: bootSource,
  /** The entry's path in its source. */
  path: z.string(),
  appName: z.string().nullable(),
  /** The SHA-256 the source lists for it. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** active: it already runs, not written again; loading / loaded: staged through the loader and committed; skipped: refused (code says why); fallback: its fallback is tried next; defaults: FRAM values it lists were written where none was stored. */
  action: z.enum(['active', 'loading', 'loaded', 'skipped', 'fallback', 'defaults']),
  /** Why it was skipped: a wire code name (sha256_mismatch, EBUSY, ...) or failed_before; null otherwise. */
  code: z.string().nullable(),
  /** The entry tried next in its place (action fallback), else null. */
  fallback: z.string().nullable(),
  detail: z.string(),
});

export const BoardEventSchema = z.discriminatedUnion('type', [
  StartedEventSchema,
  ProgressEventSchema,
  CompleteEventSchema,
  ErrorEventSchema,
  AbortedEventSchema,
  PersistedEventSchema,
  RollbackEventSchema,
  SourceEventSchema,
  EntryEventSchema,
]);

export type BoardEvent = z.infer<typeof BoardEventSchema>;
export type BoardEventType = BoardEvent['type'];
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
/** An event's own fields: what a producer supplies (the bus adds pid, phase and timestamp). */
export type EventFields<T extends BoardEventType> = Omit<Extract<BoardEvent, { type: T }>, 'type' | 'pid' | 'phase' | 'timestamp'>;

/**
 * Lines about a board: `status`, the one-request commands (abort, rollback,
 * confirm, reset), `fmap` over a link, and `target` (its own lines and the
 * board's provisioning events, also printed by `demo`).
 */
import { z } from 'zod';
import {
  AbortedEventSchema, CompleteEventSchema, ErrorEventSchema, PersistedEventSchema, ProgressEventSchema, RollbackEventSchema, StartedEventSchema,
} from '../../board/events.js';
import type { BoardEvent } from '../../board/events.js';
import { bootEventLine, type BootEventLine } from './bootcfg.js';
import { Count, Crc32Hex, Sha256Hex, SlotLetter, SlotNumber, crc32Hex } from './common.js';

/** One slot as STATUS reports it; `fileCrc32` is the CRC-32 of the whole image file in the slot. */
export const StatusSlot = z.strictObject({
  slot: SlotNumber,
  state: z.string(),
  appName: z.string().nullable(),
  size: Count.nullable(),
  fileCrc32: Crc32Hex.nullable(),
  sha256: Sha256Hex.nullable(),
});

export const StatusLine = z.strictObject({
  event: z.literal('status'),
  link: z.string(),
  identity: z.string(),
  state: z.string(),
  trial: z.boolean(),
  active: StatusSlot.nullable(),
  slots: z.array(StatusSlot),
  bootCount: Count.nullable(),
  lastError: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  damage: z.array(z.strictObject({ code: z.string(), offset: Count, message: z.string() })),
  session: z.strictObject({ id: Count, size: Count, held: Count }).nullable(),
  /** The last fallback at boot (trial_exhausted, active_corrupt) or rollback by a host, until the next commit or factory reset. */
  lastEvent: z.strictObject({
    kind: z.string(),
    from: SlotNumber,
    to: SlotNumber,
    /** Trial boots the image had (trial_exhausted). */
    boots: Count.optional(),
    fromApp: z.string().optional(),
    toApp: z.string().optional(),
    /** The event in words, as the text output shows it. */
    message: z.string(),
  }).nullable(),
  /** An uncommitted image the board keeps with no session open (suspended, power cut): bytes held of size. */
  staged: z.strictObject({ slot: SlotNumber, size: Count, held: Count }).nullable(),
  /** Where the active image came from: host_file, uart, can_master, sd_manifest, and the path when the board's own loader read it (a host preload directory, an SD card); absent when the board does not say. */
  origin: z.strictObject({ source: z.string(), path: z.string().nullable() }).optional(),
  /** The bundle the active slot runs (null: a single HXE image, nothing active, or a board that does not say): its segments and the apps its hxe segments run. */
  bundle: z.strictObject({
    name: z.string(),
    securityCounter: Count,
    segments: z.array(z.strictObject({ name: z.string(), kind: z.string(), size: Count, sha256: Sha256Hex.nullable() })),
    /** Instance names, in bundle order. */
    apps: z.array(z.string()),
  }).nullable(),
  /** bit/s, on a UART link where the rate was negotiated. */
  lineRate: Count.optional(),
});
export type StatusLine = z.infer<typeof StatusLine>;

/** abort, rollback, confirm, reset: the board did it. */
export const BoardCommandLine = z.strictObject({
  event: z.literal('board_command'),
  link: z.string(),
  command: z.enum(['abort', 'rollback', 'confirm', 'reset']),
  /** What was done, in words. */
  message: z.string(),
});

/** fmap over a link: FMAP -> FMAP_INFO. */
export const FramRegionsLine = z.strictObject({
  event: z.literal('fram_regions'),
  link: z.string(),
  framSize: Count,
  regions: z.array(z.strictObject({ name: z.string(), offset: Count, size: Count })),
});

export const ReadyLine = z.strictObject({
  event: z.literal('ready'),
  link: z.string(),
  nodeId: Count,
  identity: z.string(),
  fram: z.string(),
  framSize: Count,
  state: z.string(),
  active: SlotLetter.nullable(),
  recovery: z.string().nullable(),
  /** Line rates accepted (bit/s), null when the link does not switch. */
  lineRates: z.array(Count).nullable(),
});

export const StoppedLine = z.strictObject({
  event: z.literal('stopped'),
  /** SIGINT, SIGTERM, "link closed", or what stopped it. */
  reason: z.string(),
});

// The board's events (src/board/events.ts) with `type` as `event` and the CRC as `fileCrc32`.
export const ProvisioningStartedLine = StartedEventSchema.omit({ type: true, crc32: true }).extend({ event: z.literal('provisioning.started'), fileCrc32: Crc32Hex }).strict();
export const ProvisioningProgressLine = ProgressEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.progress') }).strict();
export const ProvisioningCompleteLine = CompleteEventSchema.omit({ type: true, crc32: true }).extend({ event: z.literal('provisioning.complete'), fileCrc32: Crc32Hex }).strict();
export const ProvisioningErrorLine = ErrorEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.error') }).strict();
export const ProvisioningAbortedLine = AbortedEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.aborted') }).strict();
export const ProvisioningPersistedLine = PersistedEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.persisted') }).strict();
export const ProvisioningRollbackLine = RollbackEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.rollback') }).strict();

export type ProvisioningLine =
  | z.infer<typeof ProvisioningStartedLine>
  | z.infer<typeof ProvisioningProgressLine>
  | z.infer<typeof ProvisioningCompleteLine>
  | z.infer<typeof ProvisioningErrorLine>
  | z.infer<typeof ProvisioningAbortedLine>
  | z.infer<typeof ProvisioningPersistedLine>
  | z.infer<typeof ProvisioningRollbackLine>
  | BootEventLine;

/** A board event as a line: `type` becomes `event`, a CRC-32 becomes `fileCrc32` (hex). */
export function boardEventLine(e: BoardEvent): ProvisioningLine {
  switch (e.type) {
    case 'provisioning.started': {
      const { type, crc32, ...rest } = e;
      return { event: type, ...rest, fileCrc32: crc32Hex(crc32) };
    }
    case 'provisioning.complete': {
      const { type, crc32, ...rest } = e;
      return { event: type, ...rest, fileCrc32: crc32Hex(crc32) };
    }
    case 'provisioning.progress': {
      const { type, ...rest } = e;
      return { event: type, ...rest };
    }
    case 'provisioning.error': {
      const { type, ...rest } = e;
      return { event: type, ...rest };
    }
    case 'provisioning.aborted': {
      const { type, ...rest } = e;
      return { event: type, ...rest };
    }
    case 'provisioning.persisted': {
      const { type, ...rest } = e;
      return { event: type, ...rest };
    }
    case 'provisioning.rollback': {
      const { type, ...rest } = e;
      return { event: type, ...rest };
    }
    case 'provisioning.source':
    case 'provisioning.entry':
      return bootEventLine(e);
  }
}

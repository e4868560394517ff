/** The lines of `hilbridge flash --json`, in the order they come (docs/cli.md, "flash"). */
import { z } from 'zod';
import type { TransferResult } from '../../protocol/engine/index.js';
import { Count, Crc32Hex, ErrorObject, Millis, Sha256Hex, SlotNumber, crc32Hex } from './common.js';

/** The host's transfer counters (src/protocol/engine/counters.ts). */
export const TransferCounters = z.strictObject({
  crcErrors: Count,
  malformed: Count,
  duplicates: Count,
  retransmits: Count,
  timeouts: Count,
  outOfWindow: Count,
  foreign: Count,
  naks: Count,
  bytesSent: Count,
  bytesRetransmitted: Count,
  framesSent: Count,
});

/** The board's own counts, from DONE. */
export const TargetCounters = z.strictObject({
  framesReceived: Count,
  duplicates: Count,
  outOfWindow: Count,
  crcErrors: Count,
  malformed: Count,
});

/** Where a delta or compressed transfer's bytes went (docs/protocol.md 9); absent for a plain transfer. */
export const SavingsJson = z.strictObject({
  /** Image bytes the board copied from its active slot instead of receiving them. */
  reusedBytes: Count,
  /** Image bytes that travelled compressed, and the bytes they took on the wire. */
  compressedBytes: Count,
  packedBytes: Count,
  /** DATA and XDATA payload bytes sent, repeats included (the image's size for a plain transfer). */
  wireBytes: Count,
  /** SIGS_INFO payload bytes received before BEGIN, the SIGS requests, and their time. */
  sigBytes: Count,
  sigRequests: Count,
  sigMs: Millis,
  /** Codec of the compressed operations ('none': nothing compressed). */
  codec: z.string(),
  /** The delta transfer failed the board's verification and the image was sent again plain. */
  repaired: z.boolean(),
});

/** A finished transfer (flash `done`, demo `demo.transfer`). */
export const TransferResultJson = z.strictObject({
  session: Count,
  slot: SlotNumber,
  size: Count,
  fileCrc32: Crc32Hex,
  sha256: Sha256Hex,
  resumed: z.boolean(),
  alreadyHeld: Count,
  transferMs: Millis,
  chunk: Count,
  window: Count,
  counters: TransferCounters,
  target: TargetCounters,
  savings: SavingsJson.optional(),
});
export type TransferResultJson = z.infer<typeof TransferResultJson>;

export function transferResultJson(r: TransferResult): TransferResultJson {
  return {
    session: r.session, slot: r.slot, size: r.size, fileCrc32: crc32Hex(r.crc32), sha256: r.sha256, resumed: r.resumed, alreadyHeld: r.alreadyHeld,
    transferMs: r.transferMs, chunk: r.chunk, window: r.window, counters: { ...r.counters }, target: { ...r.target },
    ...(r.savings === undefined ? {} : { savings: savingsJson(r.savings) }),
  };
}

export function savingsJson(s: NonNullable<TransferResult['savings']>): z.infer<typeof SavingsJson> {
  return {
    reusedBytes: s.reusedBytes, compressedBytes: s.compressedBytes, packedBytes: s.packedBytes, wireBytes: s.wireBytes, sigBytes: s.sigBytes,
    sigRequests: s.sigRequests ?? 0, sigMs: s.sigMs ?? 0, codec: s.codec ?? 'none', repaired: s.repaired === true,
  };
}

/** One line rate tried (docs/protocol.md 7.5). */
export const BaudAttempt = z.strictObject({
  rate: Count,
  outcome: z.enum(['switched', 'refused', 'unconfirmed', 'no_answer']),
  detail: z.string().optional(),
});

/** A bundle segment as flash names it: `index` is 1-based, in bundle order. */
export const SegmentRef = z.strictObject({ index: Count, name: z.string(), kind: z.string() });

export const VerifiedLocallyLine = z.strictObject({
  event: z.literal('verified_locally'),
  image: z.string(),
  /** hxe: one HXE image; bundle: a bundle (docs/bundle.md), sent as one image. */
  kind: z.enum(['hxe', 'bundle']),
  /** The HXE image's app name (null for a bundle: see bundle.name). */
  appName: z.string().nullable(),
  size: Count,
  sha256: Sha256Hex,
  /** Bundles only: the manifest, and who signed it (keyId null: unsigned). */
  bundle: z
    .strictObject({
      name: z.string(),
      securityCounter: Count,
      keyId: z.string().nullable(),
      segments: z.array(z.strictObject({ name: z.string(), kind: z.string(), offset: Count, size: Count, sha256: Sha256Hex })),
    })
    .optional(),
});

export const BaudLine = z.strictObject({
  event: z.literal('baud'),
  /** negotiated: after connecting; errors: the rate stepped down during the transfer. */
  reason: z.enum(['negotiated', 'errors']),
  from: Count,
  rate: Count,
  /** Share of frames in error in the window that caused the step (reason errors only). */
  errorRate: z.number().min(0).max(1).optional(),
  attempts: z.array(BaudAttempt),
});

export const BegunLine = z.strictObject({
  event: z.literal('begun'),
  resumed: z.boolean(),
  heldBytes: Count,
  size: Count,
  /** Bundles only: what the board already held of each segment (bytes held of size). */
  segments: z.array(SegmentRef.extend({ size: Count, heldBytes: Count }).strict()).optional(),
});

export const ProgressLine = z.strictObject({
  event: z.literal('progress'),
  heldBytes: Count,
  size: Count,
  retransmits: Count,
  counters: TransferCounters,
  /** Bundles only: the segment the transfer is in (the one holding the first byte not held); null in the header and manifest, or the signature trailer. */
  segment: SegmentRef.nullable().optional(),
});

export const EndingLine = z.strictObject({
  event: z.literal('ending'),
  heldBytes: Count,
  size: Count,
});

export const DoneLine = TransferResultJson.extend({ event: z.literal('done') });

export const CommittedLine = z.strictObject({
  event: z.literal('committed'),
  slot: SlotNumber,
  /** The slot's state in the board's STATUS (trial, active, ...), null when not reported. */
  state: z.string().nullable(),
  boardState: z.string(),
});

const resultBase = {
  event: z.literal('result'),
  /** Image bytes the board holds (all of them on success). */
  bytes: Count,
  /** From BEGIN to DONE, or to the failure (from the start of the transfer when BEGIN was never answered; 0 before it). */
  transferMs: Millis,
  retransmits: Count,
};

/** flash --confirm: CONFIRM answered after the commit, the image is permanent (no trial). */
export const ConfirmedLine = z.strictObject({
  event: z.literal('confirmed'),
  slot: SlotNumber,
});

export const ResultOkLine = z.strictObject({
  ...resultBase,
  ok: z.literal(true),
  /** Bundles only: the bundle now in the slot, every segment in it. */
  bundle: z.strictObject({ name: z.string(), segments: Count }).optional(),
  resumed: z.boolean(),
  alreadyHeld: Count,
  slot: SlotNumber,
  /** CONFIRM was sent and answered in this run (--confirm). */
  confirmed: z.boolean(),
  /** Payload bytes on the wire against the image's size, and where the savings came from (absent: a plain transfer). */
  wireBytes: Count.optional(),
  reusedBytes: Count.optional(),
  compressedBytes: Count.optional(),
});

export const ResultFailedLine = z.strictObject({
  ...resultBase,
  ok: z.literal(false),
  /** Bundles only, once BEGIN was answered: the segment the transfer was in when it stopped (null: header and manifest, or trailer). */
  segment: SegmentRef.nullable().optional(),
  error: ErrorObject,
});

/** The last line of flash: ok true or false. */
export const ResultLine = z.discriminatedUnion('ok', [ResultOkLine, ResultFailedLine]);

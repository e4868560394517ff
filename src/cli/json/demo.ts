/** Lines of `hilbridge demo --json` (besides the board's `provisioning.*` events): every one has `timestamp` (ms, the scheduler's clock). */
import { z } from 'zod';
import type { BoardReport } from '../../board/board-report.js';
import { SAMPLE_NAMES } from '../../board/sample-image.js';
import { IMAGE_ORIGINS } from '../../fram/slot.js';
import { Count, Crc32Hex, Sha256Hex, SlotLetter, crc32Hex } from './common.js';
import { TransferResultJson } from './flash.js';

const timestamp = z.number().nonnegative();

export const DemoLinkLine = z.strictObject({
  event: z.literal('demo.link'),
  timestamp,
  link: z.literal('uart'),
  bitRate: Count,
  latencyMs: z.number().nonnegative(),
  seed: z.number().int(),
  /** Share of frames lost toward the board. */
  loss: z.number().min(0).max(1),
  framSize: Count,
  /** The FRAM file, or "memory". */
  fram: z.string(),
});

const SlotReport = z.strictObject({
  slot: SlotLetter,
  state: z.string(),
  appName: z.string().nullable(),
  size: Count.nullable(),
  fileCrc32: Crc32Hex.nullable(),
  sha256: Sha256Hex.nullable(),
  source: z.string().nullable(),
  verified: z.boolean(),
  trial: z.boolean().nullable(),
  bootAttempts: Count.nullable(),
});

const RunningApp = z.strictObject({
  pid: Count,
  instance: z.string(),
  appName: z.string().nullable(),
  source: z.enum(IMAGE_ORIGINS).nullable(),
  slot: SlotLetter.nullable(),
  size: Count,
  fileCrc32: Crc32Hex,
  sha256: Sha256Hex,
  values: z.array(z.strictObject({
    groupId: Count, valueId: Count, name: z.string().nullable(), unit: z.string().nullable(), persistKey: Count, persisted: z.boolean(),
    raw: Count, value: z.number().nullable(), origin: z.enum(['persisted', 'init']), fallback: z.enum(['missing', 'interrupted', 'corrupt', 'schema_changed']).nullable(),
  })),
  commands: z.array(z.strictObject({ groupId: Count, cmdId: Count, name: z.string().nullable() })),
  mailboxes: z.array(z.strictObject({ target: z.string(), capacity: Count })),
});

/** The virtual board's own report (src/board/board-report.ts). */
export const BoardReportJson = z.strictObject({
  nodeId: Count,
  identity: z.string(),
  capabilities: Count,
  framSize: Count,
  state: z.string(),
  recovery: z.string().nullable(),
  active: SlotLetter.nullable(),
  trial: z.boolean(),
  bootAttempt: Count,
  maxTrialBoots: Count,
  slots: z.array(SlotReport),
  apps: z.array(RunningApp),
  /** The bundle the active slot runs (src/board/board-report.ts), or null. */
  bundle: z.strictObject({
    name: z.string(),
    securityCounter: Count,
    segments: z.array(z.strictObject({ name: z.string(), kind: z.string(), size: Count, sha256: Sha256Hex.optional() })),
    apps: z.array(z.string()),
  }).nullable(),
  lastError: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  framErrors: z.array(z.string()),
});
export type BoardReportJson = z.infer<typeof BoardReportJson>;

export function boardReportJson(r: BoardReport): BoardReportJson {
  return {
    ...r,
    slots: r.slots.map(({ crc32, ...s }) => ({ ...s, fileCrc32: crc32 === null ? null : crc32Hex(crc32) })),
    apps: r.apps.map(({ crc32, ...a }) => ({
      ...a, fileCrc32: crc32Hex(crc32), values: a.values.map((v) => ({ ...v })), commands: a.commands.map((c) => ({ ...c })), mailboxes: a.mailboxes.map((m) => ({ ...m })),
    })),
    bundle: r.bundle === null ? null : { ...r.bundle, segments: r.bundle.segments.map((g) => ({ ...g })), apps: [...r.bundle.apps] },
    lastError: r.lastError === null ? null : { ...r.lastError },
    framErrors: [...r.framErrors],
  };
}

export const DemoStatusLine = z.strictObject({
  event: z.literal('demo.status'),
  timestamp,
  when: z.enum(['before', 'after', 'after_reboot']),
  report: BoardReportJson,
});

export const DemoImageLine = z.strictObject({
  event: z.literal('demo.image'),
  timestamp,
  sample: z.enum(SAMPLE_NAMES),
  samplePath: z.string(),
  sampleBytes: Count,
  size: Count,
  enlarged: z.boolean(),
  fileCrc32: Crc32Hex,
});

export const DemoTransferLine = z.strictObject({
  event: z.literal('demo.transfer'),
  timestamp,
  result: TransferResultJson,
});

export const DemoDoneLine = z.strictObject({
  event: z.literal('demo.done'),
  timestamp,
});

/** Lines of `hilbridge bootcfg` (get, set) and the boot sequence's provisioning.source / provisioning.entry events (target). */
import { z } from 'zod';
import { EntryEventSchema, SourceEventSchema, type BoardEvent } from '../../board/events.js';
import { Count } from './common.js';

const Source = z.enum(['host', 'sd', 'can']);

/** bootcfg get / set: the boot configuration the board uses (BOOTCFG_INFO). */
export const BootcfgLine = z.strictObject({
  event: z.literal('bootcfg'),
  link: z.string(),
  nodeId: Count,
  /** False when the board holds none and reports its defaults. */
  stored: z.boolean(),
  order: z.array(Source),
  maxBootFailures: Count,
  /** App or bundle names the board takes, in priority order; empty = every image listed for the node. */
  images: z.array(z.string()),
  /** SHA-256 prefixes (16 lowercase hex digits) of images that failed their trial boots and are not loaded again. */
  failed: z.array(z.string().regex(/^[0-9a-f]{16}$/)),
  /** set: the board's words; get: null. */
  message: z.string().nullable(),
});

export const ProvisioningSourceLine = SourceEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.source') }).strict();
export const ProvisioningEntryLine = EntryEventSchema.omit({ type: true }).extend({ event: z.literal('provisioning.entry') }).strict();

export type BootEventLine = z.infer<typeof ProvisioningSourceLine> | z.infer<typeof ProvisioningEntryLine>;

/** A boot-sequence event as a line (`type` becomes `event`). */
export function bootEventLine(e: Extract<BoardEvent, { type: 'provisioning.source' | 'provisioning.entry' }>): BootEventLine {
  if (e.type === 'provisioning.source') {
    const { type, ...rest } = e;
    return { event: type, ...rest };
  }
  const { type, ...rest } = e;
  return { event: type, ...rest };
}

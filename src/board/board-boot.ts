/**
 * The boot sequence: read FRAM, pick the image per superblock and trial state
 * (the FRAM layer counts the trial attempt, or falls back to the previous
 * image after the last one), verify it (CRC-32 and SHA-256 from the slot
 * header, then the HXE checks, or for a bundle (told by its magic) the bundle
 * checks and the HXE checks of every hxe segment, and the board's capability
 * and budget policy on every app), register its apps in the executive and
 * restore their persisted values. Nothing valid
 * leaves the board in recovery with the reason; its loader still accepts an
 * image when the superblock is intact.
 */
import type { BootReport, Fram, ImageOrigin, SlotId } from '../fram/index.js';
import { asHilbridgeError } from '../errors.js';
import type { EventBus } from './event-bus.js';
import type { Executive } from './executive.js';
import type { SessionPolicy } from './session.js';
import { checkContentPolicy, contentOf, type SlotContent } from './slot-content.js';

export interface BootSummary {
  readonly kind: BootReport['kind'];
  readonly slot: SlotId | null;
  readonly trial: boolean;
  readonly bootAttempt: number;
  readonly maxAttempts: number;
  /** Why nothing runs from FRAM, or null. */
  readonly recovery: string | null;
  readonly notes: readonly string[];
}

export function bootBoard(fram: Fram, executive: Executive, bus: EventBus, policy: SessionPolicy, autoConfirm: boolean): BootSummary {
  const verified = new Map<string, SlotContent>();
  const check = (bytes: Uint8Array): { appName: string | null } => {
    const content = contentOf(bytes);
    checkContentPolicy(content, policy);
    verified.set(content.bundle?.sha256 ?? content.apps[0]!.image.sha256, content);
    return { appName: content.name };
  };
  const report = fram.boot(check);
  switch (report.kind) {
    case 'empty':
      return { kind: 'empty', slot: null, trial: false, bootAttempt: 0, maxAttempts: fram.settings().maxTrialBoots, recovery: null, notes: [] };
    case 'recovery':
      return { kind: 'recovery', slot: null, trial: false, bootAttempt: 0, maxAttempts: fram.settings().maxTrialBoots, recovery: `${report.reason}: ${report.detail}`, notes: [] };
    case 'rolled_back': {
      const pid = executive.allocatePid();
      bus.emit('provisioning.rollback', pid, 'BOOT', { from: report.from, to: report.to, reason: report.reason, appName: report.image.appName, detail: report.detail });
      const notes = start(executive, verified, report.to, report.image, pid);
      return { kind: 'rolled_back', slot: report.to, trial: false, bootAttempt: 0, maxAttempts: fram.settings().maxTrialBoots, recovery: null, notes: [report.detail, ...notes] };
    }
    case 'booted': {
      const notes = [...report.notes, ...start(executive, verified, report.slot, report.image, executive.allocatePid())];
      let trial = report.trial;
      if (trial && autoConfirm && executive.slot !== null) {
        fram.confirm();
        trial = false;
        notes.push(`slot ${report.slot} confirmed by policy after a successful start (auto-confirm)`);
      }
      return { kind: 'booted', slot: report.slot, trial, bootAttempt: report.bootAttempt, maxAttempts: report.maxAttempts, recovery: null, notes };
    }
  }
}

/** Register the booted image's apps as the slot's apps; a registration failure is reported, not thrown (the board keeps its loader). */
function start(executive: Executive, verified: Map<string, SlotContent>, slot: SlotId, header: { sha256: string; crc32: number; source: ImageOrigin | null }, pid: number): string[] {
  const content = verified.get(header.sha256);
  if (content === undefined) return [`slot ${slot} booted without its image check result; not started`];
  try {
    executive.registerSlot(content, { slot, source: header.source, crc32: header.crc32 }, pid);
    return [];
  } catch (e) {
    const err = asHilbridgeError(e);
    const what = content.bundle === null ? `app "${content.name ?? 'unnamed'}"` : `bundle "${content.name ?? 'unnamed'}"`;
    return [`slot ${slot} ${what} not started: [${err.code}] ${err.message}`];
  }
}

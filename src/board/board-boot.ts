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
 *
 * The image policy (trust-policy.ts) is applied to the image that boots: one
 * that no longer passes (the policy became `signed`, the counter went above
 * it) still runs and is reported (`trustViolation`, a note). A bundle whose
 * security counter is above the stored one raises it here: that is what a
 * power cut between a commit and its counter write leaves (loader.ts).
 */
import type { BootReport, Fram, ImageOrigin, SlotId } from '../fram/index.js';
import { asHilbridgeError } from '../errors.js';
import type { EventBus } from './event-bus.js';
import type { Executive } from './executive.js';
import type { SessionPolicy } from './session.js';
import { framOp } from './errors.js';
import { checkContentPolicy, contentOf, type SlotContent } from './slot-content.js';
import { trustViolation } from './trust-policy.js';

export interface BootSummary {
  readonly kind: BootReport['kind'];
  readonly slot: SlotId | null;
  readonly trial: boolean;
  readonly bootAttempt: number;
  readonly maxAttempts: number;
  /** Why nothing runs from FRAM, or null. */
  readonly recovery: string | null;
  readonly notes: readonly string[];
  /** Why the image that booted would be refused by the board's image policy now, or null. */
  readonly trustViolation: string | null;
}

export function bootBoard(fram: Fram, executive: Executive, bus: EventBus, policy: SessionPolicy, autoConfirm: boolean, board: string): BootSummary {
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
      return { kind: 'empty', slot: null, trial: false, bootAttempt: 0, maxAttempts: fram.settings().maxTrialBoots, recovery: null, notes: [], trustViolation: null };
    case 'recovery':
      return { kind: 'recovery', slot: null, trial: false, bootAttempt: 0, maxAttempts: fram.settings().maxTrialBoots, recovery: `${report.reason}: ${report.detail}`, notes: [], trustViolation: null };
    case 'rolled_back': {
      const pid = executive.allocatePid();
      bus.emit('provisioning.rollback', pid, 'BOOT', { from: report.from, to: report.to, reason: report.reason, appName: report.image.appName, detail: report.detail });
      const notes = start(executive, verified, report.to, report.image, pid);
      const trustViolation = applyTrust(fram, verified.get(report.image.sha256), board, notes);
      return { kind: 'rolled_back', slot: report.to, trial: false, bootAttempt: 0, maxAttempts: fram.settings().maxTrialBoots, recovery: null, notes: [report.detail, ...notes], trustViolation };
    }
    case 'booted': {
      const notes = [...report.notes, ...start(executive, verified, report.slot, report.image, executive.allocatePid())];
      const trustViolation = applyTrust(fram, verified.get(report.image.sha256), board, notes);
      let trial = report.trial;
      if (trial && autoConfirm && executive.slot !== null) {
        fram.confirm();
        trial = false;
        notes.push(`slot ${report.slot} confirmed by policy after a successful start (auto-confirm)`);
      }
      return { kind: 'booted', slot: report.slot, trial, bootAttempt: report.bootAttempt, maxAttempts: report.maxAttempts, recovery: null, notes, trustViolation };
    }
  }
}

/**
 * The image policy on the image that booted: raise the stored security
 * counter to a bundle's when it is above (a cut after its commit), then
 * report whether the image would be refused now. Returns the violation.
 */
function applyTrust(fram: Fram, content: SlotContent | undefined, board: string, notes: string[]): string | null {
  if (content === undefined) return null;
  const counter = content.bundle?.manifest.securityCounter;
  if (counter !== undefined && framOp('raise the security counter', () => fram.raiseSecurityCounter(counter))) {
    notes.push(`security counter raised to ${counter} at boot (bundle "${content.name ?? 'unnamed'}" was committed but the counter write did not complete)`);
  }
  const violation = trustViolation(content, { board, trust: fram.trust() });
  if (violation !== null) notes.push(`the active image no longer passes the board's image policy: ${violation}`);
  return violation;
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

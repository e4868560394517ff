/**
 * What the board says about itself: the slot table of INFO and STATUS (wire
 * form), and the full local report (`hilbridge demo` prints it; tests read it).
 * Built from the FRAM map, so every slot's state is what the FRAM holds now,
 * verified.
 */
import type { FramMap, MapSlot, SlotId } from '../fram/index.js';
import type { BundleStatusInfo, SlotEventInfo, SlotInfo } from '../protocol/messages-types.js';
import type { RunningApp } from './executive.js';

/** Wire slot number of a FRAM slot. */
export const slotNumber = (id: SlotId): number => (id === 'A' ? 0 : 1);

/** empty | active | trial | previous | staging | invalid | inactive */
export function slotState(s: MapSlot, map: FramMap): string {
  if (s.role === 'active') return s.trial === true ? 'trial' : 'active';
  if (s.role === 'previous') return s.verified ? 'previous' : 'invalid';
  if (map.staging !== null && map.staging.slot === s.slot && s.headerStatus !== 'valid' && map.staging.held.length > 0) return 'staging';
  if (s.headerStatus === 'blank') return 'empty';
  return s.headerStatus === 'valid' ? 'inactive' : 'invalid';
}

export function slotTable(map: FramMap): SlotInfo[] {
  return map.slots.map((s) => {
    const state = slotState(s, map);
    const image = state === 'active' || state === 'trial' || state === 'previous' || state === 'inactive';
    return {
      slot: slotNumber(s.slot),
      state,
      app: image ? (s.appName ?? undefined) : undefined,
      size: image ? (s.size ?? undefined) : undefined,
      crc32: image && s.crc32 !== null ? Number.parseInt(s.crc32, 16) : undefined,
      sha256: image ? (s.sha256 ?? undefined) : undefined,
    };
  });
}

export interface SlotReport {
  readonly slot: SlotId;
  readonly state: string;
  readonly appName: string | null;
  readonly size: number | null;
  readonly crc32: number | null;
  readonly sha256: string | null;
  readonly source: string | null;
  readonly verified: boolean;
  readonly trial: boolean | null;
  readonly bootAttempts: number | null;
}

export interface BoardReport {
  readonly nodeId: number;
  readonly identity: string;
  readonly capabilities: number;
  readonly framSize: number;
  /** The loader's last outcome (IDLE, READY, FAILED), or RECOVERY when nothing valid could boot. */
  readonly state: string;
  /** Why the board is in recovery, or null. */
  readonly recovery: string | null;
  /** The active slot, or null. */
  readonly active: SlotId | null;
  readonly trial: boolean;
  readonly bootAttempt: number;
  readonly maxTrialBoots: number;
  readonly slots: readonly SlotReport[];
  readonly apps: readonly RunningApp[];
  /** The bundle the active slot runs (its name, security counter, segments and the apps of its hxe segments), or null. */
  readonly bundle: BundleStatusInfo | null;
  /** The error that last failed a load, or null. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** Problems the FRAM map found that a power cut does not explain. */
  readonly framErrors: readonly string[];
}

export function slotReports(map: FramMap): SlotReport[] {
  return map.slots.map((s) => ({
    slot: s.slot,
    state: slotState(s, map),
    appName: s.appName,
    size: s.size,
    crc32: s.crc32 === null ? null : Number.parseInt(s.crc32, 16),
    sha256: s.sha256,
    source: s.source,
    verified: s.verified,
    trial: s.trial,
    bootAttempts: s.bootAttempts,
  }));
}

/** The superblock's last fallback or rollback as STATUS_INFO reports it, with the app names the slot headers still hold. */
export function slotEventInfo(map: FramMap): SlotEventInfo | undefined {
  const e = map.superblocks.find((s) => s.newest)?.state?.lastEvent ?? null;
  if (e === null) return undefined;
  const app = (id: SlotId): string | undefined => map.slots.find((s) => s.slot === id)?.appName ?? undefined;
  return {
    kind: e.kind,
    from: slotNumber(e.from),
    to: slotNumber(e.to),
    ...(e.kind === 'trial_exhausted' ? { boots: e.boots } : {}),
    ...(app(e.from) === undefined ? {} : { fromApp: app(e.from) }),
    ...(app(e.to) === undefined ? {} : { toApp: app(e.to) }),
  };
}

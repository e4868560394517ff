/**
 * Board settings: a two-copy record, wiped by factory reset (defaults apply
 * when none is stored). Payload: max trial boots u8 | auto-confirm u8 |
 * value debounce ms u16 | CAN node id u8 | reserved.
 */
import { view } from './codec.js';
import { type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import type { FramLayout } from './layout.js';
import type { FramIo } from './record.js';

export const SETTINGS_MAGIC = 0x48425353; // "HBSS"
const PAYLOAD = 16;

export interface Settings {
  /** Trial boots before the board falls back to the previous image (1-255). */
  readonly maxTrialBoots: number;
  /** Confirm a trial image by policy once it started successfully. */
  readonly autoConfirm: boolean;
  /** Debounce window for persisted value writes. */
  readonly valueDebounceMs: number;
  /** CAN node id (0 = unassigned). */
  readonly canNodeId: number;
}

export const DEFAULT_SETTINGS: Settings = { maxTrialBoots: 3, autoConfirm: false, valueDebounceMs: 500, canNodeId: 0 };

export function settingsSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.settings, magic: SETTINGS_MAGIC, payloadLength: PAYLOAD };
}

export function readSettings(io: Pick<FramIo, 'read'>, layout: FramLayout): { settings: Settings; stored: boolean } {
  const p = newestPayload(readDual(io, settingsSpec(layout)));
  if (p === null) return { settings: DEFAULT_SETTINGS, stored: false };
  const v = view(p);
  return {
    settings: { maxTrialBoots: Math.max(1, v.getUint8(0)), autoConfirm: v.getUint8(1) === 1, valueDebounceMs: v.getUint16(2), canNodeId: v.getUint8(4) },
    stored: true,
  };
}

export function writeSettings(io: FramIo, layout: FramLayout, s: Settings): void {
  const p = new Uint8Array(PAYLOAD);
  const v = view(p);
  v.setUint8(0, Math.min(255, Math.max(1, s.maxTrialBoots)));
  v.setUint8(1, s.autoConfirm ? 1 : 0);
  v.setUint16(2, Math.min(0xffff, s.valueDebounceMs));
  v.setUint8(4, s.canNodeId & 0xff);
  writeDual(io, settingsSpec(layout), readDual(io, settingsSpec(layout)), p);
}

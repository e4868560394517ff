/**
 * The superblock: which slot is active, the previous known-good slot, trial
 * state and boot attempts. Two copies (a two-copy record, dual.ts); writing the
 * next superblock is the single commit point of every state change.
 */
import { view } from './codec.js';
import { type DualRead, type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import type { FramLayout, SlotId } from './layout.js';
import type { FramIo } from './record.js';

export const SUPERBLOCK_MAGIC = 0x48425342; // "HBSB"
const NO_SLOT = 0xff;

export interface SuperblockState {
  readonly layoutVersion: number;
  readonly deviceSize: number;
  /** Slot that boots, or null when no image was ever committed (or after factory reset). */
  readonly active: SlotId | null;
  /** Generation the active slot's header must carry. */
  readonly activeGen: number;
  /** Previous known-good slot (rollback target), or null. */
  readonly previous: SlotId | null;
  readonly previousGen: number;
  /** True while the active image has not been confirmed. */
  readonly trial: boolean;
  /** Boots started while in trial. */
  readonly bootAttempts: number;
  /** Trial boots allowed before falling back. */
  readonly maxAttempts: number;
  /** A factory reset started and must be completed before anything else. */
  readonly resetPending: boolean;
  /** The last time the board left an image for the previous one, and why; cleared by the next commit or a factory reset. */
  readonly lastEvent: SlotEvent | null;
}

/**
 * A fallback or rollback, kept in the superblock write that made it (bytes
 * 20..23, zero = none: FRAMs written before it read as none).
 */
export interface SlotEvent {
  /** `trial_exhausted`: the trial image was not confirmed in its boots; `active_corrupt`: it no longer verified; `rollback`: the host asked. */
  readonly kind: SlotEventKind;
  readonly from: SlotId;
  readonly to: SlotId;
  /** Trial boots the image had (trial_exhausted), else 0. */
  readonly boots: number;
}

export type SlotEventKind = 'trial_exhausted' | 'active_corrupt' | 'rollback';
const EVENT_KINDS: readonly SlotEventKind[] = ['trial_exhausted', 'active_corrupt', 'rollback'];

export interface Superblock extends SuperblockState {
  readonly seq: number;
}

const PAYLOAD = 24;

export function superblockSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.superblock, magic: SUPERBLOCK_MAGIC, payloadLength: PAYLOAD };
}

const slotByte = (s: SlotId | null): number => (s === null ? NO_SLOT : s === 'A' ? 0 : 1);
const byteSlot = (b: number): SlotId | null => (b === 0 ? 'A' : b === 1 ? 'B' : null);

export function encodeSuperblock(s: SuperblockState): Uint8Array {
  const out = new Uint8Array(PAYLOAD);
  const v = view(out);
  v.setUint16(0, s.layoutVersion);
  v.setUint32(2, s.deviceSize);
  v.setUint8(6, slotByte(s.active));
  v.setUint32(7, s.activeGen);
  v.setUint8(11, slotByte(s.previous));
  v.setUint32(12, s.previousGen);
  v.setUint8(16, s.trial ? 1 : 0);
  v.setUint8(17, Math.min(255, s.bootAttempts));
  v.setUint8(18, s.maxAttempts);
  v.setUint8(19, s.resetPending ? 1 : 0);
  const e = s.lastEvent;
  if (e !== null) {
    v.setUint8(20, EVENT_KINDS.indexOf(e.kind) + 1);
    v.setUint8(21, slotByte(e.from));
    v.setUint8(22, slotByte(e.to));
    v.setUint8(23, Math.min(255, e.boots));
  }
  return out;
}

export function decodeSuperblock(payload: Uint8Array, seq: number): Superblock {
  const v = view(payload);
  return {
    seq,
    layoutVersion: v.getUint16(0),
    deviceSize: v.getUint32(2),
    active: byteSlot(v.getUint8(6)),
    activeGen: v.getUint32(7),
    previous: byteSlot(v.getUint8(11)),
    previousGen: v.getUint32(12),
    trial: v.getUint8(16) === 1,
    bootAttempts: v.getUint8(17),
    maxAttempts: v.getUint8(18),
    resetPending: v.getUint8(19) === 1,
    lastEvent: decodeEvent(v),
  };
}

function decodeEvent(v: DataView): SlotEvent | null {
  const kind = EVENT_KINDS[v.getUint8(20) - 1];
  const from = byteSlot(v.getUint8(21));
  const to = byteSlot(v.getUint8(22));
  return kind === undefined || from === null || to === null ? null : { kind, from, to, boots: v.getUint8(23) };
}

export interface SuperblockRead {
  readonly dual: DualRead;
  /** The newest valid copy, decoded; null when neither copy is valid. */
  readonly current: Superblock | null;
}

export function readSuperblock(io: Pick<FramIo, 'read'>, layout: FramLayout): SuperblockRead {
  const dual = readDual(io, superblockSpec(layout));
  const payload = newestPayload(dual);
  const seq = dual.newest === null ? null : dual.copies[dual.newest].seq;
  return { dual, current: payload === null || seq === null ? null : decodeSuperblock(payload, seq) };
}

/**
 * True only for what a first format cut short leaves: copy 1 blank, and copy 0
 * blank or holding the interrupted write of seq 1 (format zeroes both copies,
 * then writes seq 1 into copy 0, its last step). A formatted FRAM always keeps
 * a valid copy (later writes go to the other one), so this never matches one
 * that held anything; any other invalid pattern is damage, left for recovery.
 */
export function firstFormatUnfinished(read: SuperblockRead): boolean {
  const [c0, c1] = read.dual.copies;
  if (c1.status !== 'blank') return false;
  if (c0.status === 'blank') return true;
  return c0.status === 'incomplete' && view(c0.body).getUint32(0) <= 1;
}

/** Write the next superblock (seq + 1) into the copy that does not count now. */
export function writeSuperblock(io: FramIo, layout: FramLayout, state: SuperblockState): Superblock {
  const current = readDual(io, superblockSpec(layout));
  const seq = writeDual(io, superblockSpec(layout), current, encodeSuperblock(state));
  return { ...state, seq };
}

/** The generation a commit stamps into the slot header: the seq its activating superblock will carry. */
export function nextSeq(read: SuperblockRead): number {
  return (read.current?.seq ?? 0) + 1;
}

/**
 * The audit ring: the board's last 16 security events (authenticated
 * commands accepted or refused, trust store changes), in the last 0x200 bytes
 * of the values partition (layout.audit; the value cells end before it).
 * Each entry is one committed record (record.ts) of 20 bytes, so 25 bytes in
 * FRAM, at offset audit + 25 x (seq mod 16):
 *
 *   +0  seq u32 (ever-increasing; the next entry is the highest valid + 1)
 *   +4  boot u32 (the board's boot counter when written)
 *   +8  kind u8 (1 accepted, 2 refused, 3 trust_changed)
 *   +9  command type u8 (the wire message type)
 *   +10 code u16 (wire code of the verdict, 0 = accepted)
 *   +12 key id [8] (zero when none)
 *
 * Writing an entry overwrites only the oldest one: a power cut in it leaves
 * that slot `incomplete` (the oldest entry lost, the new one not written) and
 * every other entry intact. Factory reset keeps the ring.
 */
import { decodeAuditEntry, encodeAuditEntry } from '../protocol/messages-auth.js';
import type { AuditEntryWire } from '../protocol/messages-types.js';
import type { FramLayout } from './layout.js';
import { type FramIo, readRecord, recordSize, writeRecord } from './record.js';

export const AUDIT_ENTRIES = 16;
export const AUDIT_BODY = 20;
export { AUDIT_AREA } from './layout.js';

export const AuditKind = { accepted: 1, refused: 2, trust_changed: 3 } as const;
export type AuditKindName = keyof typeof AuditKind;

export interface AuditRing {
  /** Valid entries, oldest first. */
  readonly entries: readonly AuditEntryWire[];
  /** Slots whose record is torn (a power cut while writing it) or corrupt. */
  readonly damaged: number;
}

function slotOffset(layout: FramLayout, i: number): number {
  return layout.audit.offset + recordSize(AUDIT_BODY) * i;
}

export function readAudit(io: Pick<FramIo, 'read'>, layout: FramLayout): AuditRing {
  const entries: AuditEntryWire[] = [];
  let damaged = 0;
  for (let i = 0; i < AUDIT_ENTRIES; i++) {
    const r = readRecord(io, slotOffset(layout, i), AUDIT_BODY);
    if (r.status === 'valid') entries.push(decodeAuditEntry(r.body));
    else if (r.status !== 'blank') damaged++;
  }
  entries.sort((a, b) => a.seq - b.seq);
  return { entries, damaged };
}

/** Append an event (its seq is the next one); returns the entry written. */
export function appendAudit(io: FramIo, layout: FramLayout, e: Omit<AuditEntryWire, 'seq'>): AuditEntryWire {
  const { entries } = readAudit(io, layout);
  const seq = ((entries.at(-1)?.seq ?? 0) + 1) >>> 0;
  const entry = { ...e, seq };
  writeRecord(io, slotOffset(layout, seq % AUDIT_ENTRIES), encodeAuditEntry(entry));
  return entry;
}

/**
 * decodeFramMap: an offline, read-only decode of a whole FRAM image, with
 * every corruption found classified as explainable by a power cut (info) or
 * not (error). `hilbridge fmap` prints it; the FRAM map service sends it.
 */
import { hex, toHex } from '../util/hex.js';
import type { FramReader } from './device.js';
import { type DualRead, type DualSpec, readDual } from './dual.js';
import { at } from './errors.js';
import { computeLayout, SLOT_IDS, type SlotId, type SlotLayout } from './layout.js';
import type { FramMap, MapCopy, MapFinding, MapSlot, MapValueRecord } from './map-types.js';
import { readPartitionTable } from './partition-table.js';
import { missingRanges } from '../util/ranges.js';
import { readSettings, settingsSpec } from './settings.js';
import { bootcfgSpec } from './bootcfg.js';
import { type SlotCheck, slotLayout, verifySlot } from './slot.js';
import { readJournal } from './staging-journal.js';
import { decodeSuperblock, firstFormatUnfinished, readSuperblock, type Superblock } from './superblock.js';
import { readTrust, readTrustDual } from './trust.js';
import { scanCells } from './values.js';
import { readWear, wearSpec } from './wear.js';

export type { FramMap } from './map-types.js';

function copies(d: DualRead): MapCopy[] {
  return d.copies.map((c, i) => ({ copy: i as 0 | 1, offset: c.offset, status: c.status, seq: c.seq, newest: d.newest === i }));
}

/** Findings for a two-copy record: an incomplete copy is an interrupted write; a corrupt one is not explainable. */
function dualFindings(name: string, d: DualRead, findings: MapFinding[]): void {
  for (const c of d.copies) {
    if (c.status === 'corrupt' || (c.status === 'valid' && c.seq === null)) {
      findings.push({ severity: 'error', code: `${name}_copy_corrupt`, offset: c.offset, message: `${name} copy at ${at(c.offset)} is committed but fails its CRC or magic: not a power cut; check the FRAM` });
    } else if (c.status === 'incomplete') {
      const ok = d.newest !== null;
      findings.push({ severity: ok ? 'info' : 'error', code: `${name}_copy_incomplete`, offset: c.offset, message: `${name} copy at ${at(c.offset)} is incomplete (interrupted write)${ok ? '; the other copy is valid' : ' and no copy is valid'}` });
    }
  }

}

function mapSlot(dev: FramReader, sb: Superblock | null, id: SlotId, findings: MapFinding[]): MapSlot {
  const L = computeLayout(dev.size);
  const s = slotLayout(L, id);
  const role = sb?.active === id ? 'active' : sb?.previous === id ? 'previous' : 'none';
  const gen = role === 'active' ? sb?.activeGen : role === 'previous' ? sb?.previousGen : undefined;
  const v = verifySlot(dev, L, id, gen);
  if (!v.ok) {
    if (role === 'none' && v.problem === 'header_blank') return mapped(s, role, v, sb);
    const reused = v.problem === 'header_incomplete' || v.problem === 'header_blank' || v.problem === 'generation_mismatch';
    const explained = role === 'previous' ? reused : role === 'none' ? reused : false;
    const what = role === 'active' ? 'active slot' : role === 'previous' ? 'previous (rollback) slot' : 'unused slot';
    findings.push({ severity: explained ? 'info' : 'error', code: role === 'active' ? 'active_slot_invalid' : `slot_${v.problem}`, offset: s.headerOffset, message: `${what} ${id}: ${v.detail}${explained ? ' (staging or an older image; expected)' : ''}` });
  } else if (role === 'none') {
    findings.push({ severity: 'info', code: 'slot_unreferenced', offset: s.headerOffset, message: `slot ${id} holds a verified image the superblock does not refer to (committed but not activated, or superseded)` });
  }
  return mapped(s, role, v, sb);
}

function mapped(s: SlotLayout, role: MapSlot['role'], v: SlotCheck, sb: Superblock | null): MapSlot {
  const h = v.header;
  const problem = v.ok ? null : v.problem;
  return {
    slot: s.id,
    headerOffset: s.headerOffset,
    dataOffset: s.dataOffset,
    capacity: s.capacity,
    headerStatus: v.ok ? 'valid' : v.problem === 'header_blank' ? 'blank' : v.problem === 'header_incomplete' ? 'incomplete' : v.problem === 'header_corrupt' ? 'corrupt' : 'valid',
    role,
    appName: h?.appName ?? null,
    size: h?.size ?? null,
    crc32: h === null ? null : hex(h.crc32, 8),
    sha256: h?.sha256 ?? null,
    generation: h?.generation ?? null,
    source: h?.source ?? null,
    verified: v.ok,
    problem,
    trial: role === 'active' && sb !== null ? sb.trial : null,
    bootAttempts: role === 'active' && sb !== null ? sb.bootAttempts : null,
  };
}

/** Decode the whole FRAM (read-only). */
export function decodeFramMap(dev: FramReader): FramMap {
  const L = computeLayout(dev.size);
  const findings: MapFinding[] = [];
  const pt = readPartitionTable(dev, L);
  if (pt.status !== 'valid' || !pt.matchesLayout) {
    const why = pt.status === 'valid' ? 'does not match the layout for this size' : `is ${pt.status}`;
    findings.push({ severity: 'error', code: 'partition_table_invalid', offset: pt.offset, message: `partition table at ${at(pt.offset)} ${why}` });
  }
  const sbr = readSuperblock(dev, L);
  const sb = sbr.current;
  if (firstFormatUnfinished(sbr)) {
    const torn = sbr.dual.copies[0].status === 'incomplete';
    const why = torn ? `its first format was cut short (copy at ${at(L.superblock[0])} incomplete)` : 'the FRAM is not formatted';
    findings.push({ severity: 'error', code: 'superblock_missing', offset: L.superblock[0], message: `no superblock was ever committed at ${at(L.superblock[0])}: ${why}; a board formats it at its next start` });
  } else {
    dualFindings('superblock', sbr.dual, findings);
    if (sb === null) findings.push({ severity: 'error', code: 'no_valid_superblock', offset: L.superblock[0], message: 'neither superblock copy is valid' });
  }
  if (sb?.resetPending === true) findings.push({ severity: 'info', code: 'reset_pending', offset: L.superblock[0], message: 'a factory reset was interrupted; the board completes it at its next start' });
  const slots = SLOT_IDS.map((id) => mapSlot(dev, sb, id, findings));

  const jr = readJournal(dev, L);
  dualFindings('staging', jr.dual, findings);
  const j = jr.current;
  const staging = j === null ? null : { copies: copies(jr.dual), slot: j.slot, size: j.size, sha256: j.sha256, source: j.source, held: j.held, missing: missingRanges(j.held, j.size) };

  const values: MapValueRecord[] = [];
  for (const c of scanCells(dev, L)) {
    if (c.status === 'blank') continue;
    values.push({ offset: c.offset, cell: c.index, status: c.status, persistKey: c.key, length: c.length, seq: c.seq, payload: toHex(c.payload), f16: c.length === 2 ? ((c.payload[0] ?? 0) << 8) | (c.payload[1] ?? 0) : null });
    if (c.status === 'corrupt') findings.push({ severity: 'error', code: 'value_record_corrupt', offset: c.offset, message: `value record at ${at(c.offset)} fails its CRC: not a power cut` });
    if (c.status === 'incomplete') findings.push({ severity: 'info', code: 'value_record_incomplete', offset: c.offset, message: `value record at ${at(c.offset)} is incomplete (interrupted save); the previous copy, if any, counts` });
  }
  const specs: [string, DualSpec][] = [['wear', wearSpec(L)], ['settings', settingsSpec(L)], ['bootcfg', bootcfgSpec(L)]];
  for (const [name, spec] of specs) dualFindings(name, readDual(dev, spec), findings);
  const tr = readTrustDual(dev, L);
  dualFindings('trust', tr.dual, findings);
  if (tr.legacy) findings.push({ severity: 'info', code: 'trust_legacy_layout', offset: L.trust[0], message: `trust record at ${at(L.trust[0])} has the layout before the trust store (board id only): read as an empty store; trust add rewrites it` });

  const trust = readTrust(dev, L);
  const activeOk = slots.some((s) => s.role === 'active' && s.verified);
  const prevOk = slots.some((s) => s.role === 'previous' && s.verified);
  const empty = sb !== null && sb.active === null;
  return {
    size: L.size,
    layoutVersion: L.version,
    partitions: L.partitions.map((p) => ({ ...p })),
    partitionTable: { offset: pt.offset, status: pt.status, matchesLayout: pt.matchesLayout },
    superblocks: copies(sbr.dual).map((c, i) => {
      const raw = sbr.dual.copies[i as 0 | 1];
      const state = raw.seq === null ? null : decodeSuperblock(raw.body.subarray(8), raw.seq);
      return { ...c, state };
    }),
    resetPending: sb?.resetPending ?? false,
    slots,
    staging,
    values,
    wear: readWear(dev, L),
    settings: (() => {
      const s = readSettings(dev, L);
      return { ...s.settings, stored: s.stored };
    })(),
    trust: trust === null ? null : { ...trust, offset: L.trust[0] },
    findings,
    bootable: sb !== null && (activeOk || prevOk),
    empty,
  };
}

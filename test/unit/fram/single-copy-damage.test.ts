/**
 * Any single damaged copy of a two-copy record (a flipped bit anywhere in it,
 * a torn write) leaves exactly the last committed state, reported by the map
 * until the next write of that record repairs it; and power cuts at every
 * byte of a write still leave old or new, also when one copy was already
 * damaged. Before records were mirrored, one bit in the newest superblock
 * copy put a confirmed image back on trial (and 3 boots later, the previous
 * image back in charge) without a word.
 */
import { describe, expect, it } from 'vitest';
import { readDual } from '../../../src/fram/dual.js';
import type { Fram } from '../../../src/fram/fram.js';
import { recordSize } from '../../../src/fram/record.js';
import { readSettings, settingsSpec } from '../../../src/fram/settings.js';
import { readSuperblock, superblockSpec } from '../../../src/fram/superblock.js';
import { readTrust, trustSpec } from '../../../src/fram/trust.js';
import { boardWith, check, fixture, provision, reopen, sha } from './helpers.js';
import { sweep } from './sweep.js';

const OLD = fixture('calib');
const NEW = fixture('motor_ctl');

/** calib, then motor_ctl committed, booted and confirmed: the state before the last write (trial) differs from the last one (confirmed). */
function updatedBoard(): { store: Uint8Array; fram: Fram } {
  const b = boardWith(OLD);
  provision(b.fram, NEW);
  b.fram.boot(check);
  b.fram.confirm();
  b.fram.writeSettings({ ...b.fram.settings(), canNodeId: 9 });
  return b;
}

/** Every (copy, byte, bit) of a record of `payloadLength` bytes at `offsets`. */
function* flips(offsets: readonly [number, number], payloadLength: number): Generator<{ copy: 0 | 1; at: number; bit: number }> {
  const size = recordSize(8 + payloadLength);
  for (const copy of [0, 1] as const) for (let i = 0; i < size; i++) for (let bit = 0; bit < 8; bit++) yield { copy, at: offsets[copy] + i, bit };
}

describe('one damaged copy leaves the last committed state', () => {
  it('every single-bit flip in either superblock copy: same superblock, same image booted confirmed, the map names the damaged copy', () => {
    const { store, fram } = updatedBoard();
    const L = fram.layout;
    const spec = superblockSpec(L);
    const want = readSuperblock(fram.device, L).current;
    expect(want).toMatchObject({ trial: false });
    let n = 0;
    for (const f of flips(spec.offsets, spec.payloadLength)) {
      const copy = store.slice();
      copy[f.at]! ^= 1 << f.bit;
      const damaged = reopen(copy);
      const where = `copy ${f.copy}, byte ${f.at - spec.offsets[f.copy]}, bit ${f.bit}`;
      expect(readSuperblock(damaged.device, L).current, where).toEqual(want);
      expect(damaged.map().findings.filter((x) => x.code === 'superblock_copy_corrupt').map((x) => x.offset), where).toEqual([spec.offsets[f.copy]]);
      const r = damaged.boot(check);
      expect(r.kind === 'booted' && { sha: r.image.sha256, trial: r.trial }, where).toEqual({ sha: sha(NEW), trial: false });
      n++;
    }
    expect(n).toBe(2 * recordSize(8 + spec.payloadLength) * 8);
  });

  it('the next write of the record repairs the damaged copy, and the map stops reporting it', () => {
    const { store, fram } = updatedBoard();
    const spec = superblockSpec(fram.layout);
    store[spec.offsets[1] + 5]! ^= 0x10;
    const damaged = reopen(store);
    expect(damaged.map().findings.some((x) => x.code === 'superblock_copy_corrupt')).toBe(true);
    damaged.rollback(); // a state change: writes the superblock into both copies
    const repaired = reopen(store);
    expect(readDual(repaired.device, spec).copies.map((c) => c.status)).toEqual(['valid', 'valid']);
    expect(repaired.map().findings.filter((x) => x.severity === 'error')).toEqual([]);
    expect(repaired.boot(check)).toMatchObject({ kind: 'booted', image: { sha256: sha(OLD) } });
  });

  it('settings and trust store: a flip in either copy leaves the last written settings and the trust anchor', () => {
    const { store, fram } = updatedBoard();
    const L = fram.layout;
    const settings = readSettings(fram.device, L).settings;
    const trust = readTrust(fram.device, L);
    expect(settings.canNodeId).toBe(9);
    for (const [spec, read, want] of [
      [settingsSpec(L), () => readSettings(reopen(copyOf).device, L).settings, settings],
      [trustSpec(L), () => readTrust(reopen(copyOf).device, L), trust],
    ] as const) {
      for (const f of flips(spec.offsets, spec.payloadLength)) {
        copyOf = store.slice();
        copyOf[f.at]! ^= 1 << f.bit;
        expect(read(), `copy ${f.copy} at ${f.at} bit ${f.bit}`).toEqual(want);
      }
    }
  });
});
let copyOf = new Uint8Array(0);

describe('power cuts with one copy already damaged', () => {
  it('confirm over a damaged superblock copy: a cut at every byte leaves old (trial) or new (confirmed), never no superblock', () => {
    const b = boardWith(OLD);
    provision(b.fram, NEW);
    b.fram.boot(check);
    const spec = superblockSpec(b.fram.layout);
    b.store[spec.offsets[0] + 12]! ^= 0x01; // copy 0 damaged: the write must go there first
    const n = sweep(
      b.store,
      (f) => void f.confirm(),
      (f, cut) => {
        const sb = readSuperblock(f.device, f.layout).current;
        expect(sb, `cut ${cut}`).not.toBeNull();
        const r = f.boot(check);
        expect(r.kind === 'booted' && r.image.sha256, `cut ${cut}`).toBe(sha(NEW));
      },
    );
    expect(n).toBeGreaterThan(2 * 10);
  });
});

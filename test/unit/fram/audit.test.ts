/** The FRAM audit ring (src/fram/audit.ts): 16 entries, wraps, survives factory reset, and a power cut at any byte of an append loses at most the entry being overwritten. */
import { describe, expect, it } from 'vitest';
import { Fram } from '../../../src/fram/fram.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';
import { emptyTrust } from '../../../src/fram/trust.js';
import { AUDIT_ENTRIES } from '../../../src/fram/audit.js';
import { boardWith, fixture } from './helpers.js';
import { sweep } from './sweep.js';

const event = (i: number): { boot: number; kind: number; type: number; code: number; keyId: string } => ({ boot: 1, kind: 1 + (i % 3), type: 0x0e, code: i, keyId: (i + 1).toString(16).padStart(16, '0') });

function fresh(): { store: Uint8Array; fram: Fram } {
  const store = new Uint8Array(32 * 1024);
  return { store, fram: Fram.format(new MemoryFramDevice(store), { trust: emptyTrust('00112233445566778899aabbccddeeff') }) };
}

describe('audit ring', () => {
  it('keeps the last 16 events in order, seq ever-increasing', () => {
    const { fram } = fresh();
    expect(fram.audit()).toEqual({ entries: [], damaged: 0 });
    for (let i = 0; i < 40; i++) fram.appendAudit(event(i));
    const ring = fram.audit();
    expect(ring.damaged).toBe(0);
    expect(ring.entries).toHaveLength(AUDIT_ENTRIES);
    expect(ring.entries.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => 25 + i));
    expect(ring.entries.at(-1)).toEqual({ ...event(39), seq: 40 });
  });

  it('lies after the value cells inside the values partition and survives factory reset', () => {
    const { fram } = boardWith(fixture('calib'));
    const values = fram.layout.partitions.find((p) => p.name === 'values')!;
    expect(fram.layout.audit.offset + fram.layout.audit.length).toBe(values.offset + values.length);
    fram.saveValue(0x7000, Uint8Array.of(1, 2));
    for (let i = 0; i < 3; i++) fram.appendAudit(event(i));
    fram.factoryReset();
    expect(fram.readValue(0x7000).status).toBe('missing');
    expect(fram.audit().entries.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('a power cut at any byte of an append leaves every other entry intact; the next append goes on', () => {
    const { store, fram } = fresh();
    for (let i = 0; i < 20; i++) fram.appendAudit(event(i)); // wrapped: the next append overwrites seq 5
    const before = fram.audit().entries;
    const cuts = sweep(store, (f) => void f.appendAudit(event(20)), (after, cut) => {
      const ring = after.audit();
      const kept = before.filter((e) => e.seq !== 5);
      expect(ring.entries.filter((e) => e.seq !== 5 && e.seq !== 21), `cut ${cut}`).toEqual(kept);
      expect(ring.damaged, `cut ${cut}`).toBeLessThanOrEqual(1);
      const next = after.appendAudit(event(21));
      expect(next.seq).toBeGreaterThan(20);
    });
    expect(cuts).toBeGreaterThan(20);
  });
});

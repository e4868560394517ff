import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ValueFlag } from '../../../src/hxe/constants.js';
import { numberToF16 } from '../../../src/hxe/f16.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import { DebouncedValueWriter, type PersistEvent, restorePersistedValues } from '../../../src/fram/persist.js';
import { boardWith, fixture, provision, reopen } from './helpers.js';

// The v2 fixtures flag values PERSIST but give them key 0 (not persisted); give calib's keys as a newer build would.
const calib = parseHxe(fixture('calib')).values.map((v, i) => ({ ...v, persistKey: v.flags & ValueFlag.persist ? 0x0200 + i + 1 : 0 }));

describe('value persistence', () => {
  it('restores persisted values, falls back to init for missing ones, and survives an image update', () => {
    const { store, fram } = boardWith(fixture('calib'));
    fram.saveValue(0x0201, Uint8Array.of(0x40, 0x00));
    provision(fram, fixture('motor_ctl'));
    const f = reopen(store);
    const r = restorePersistedValues(calib, (k) => f.readValue(k));
    expect(r).toEqual([
      expect.objectContaining({ persistKey: 0x0201, source: 'persisted', raw: 0x4000 }),
      expect.objectContaining({ persistKey: 0x0202, source: 'init', reason: 'missing', raw: numberToF16(-0.25) }),
    ]);
    expect(r).toHaveLength(2); // 'limit' is not PERSIST
  });

  it('a corrupt record falls back to init with the reason and offset; the older copy wins when only the newest is corrupt', () => {
    const { store, fram } = boardWith(fixture('calib'));
    const first = fram.saveValue(0x0201, Uint8Array.of(0x40, 0x00));
    const second = fram.saveValue(0x0201, Uint8Array.of(0x42, 0x00));
    store[second.offset + 9]! ^= 0x01;
    expect(reopen(store).readValue(0x0201)).toMatchObject({ status: 'found', bytes: Uint8Array.of(0x40, 0x00), offset: first.offset });
    store[first.offset + 9]! ^= 0x01;
    const r = restorePersistedValues(calib, (k) => reopen(store).readValue(k));
    expect(r[0]).toMatchObject({ source: 'init', reason: 'corrupt', raw: 0x3e00 });
    expect([first.offset, second.offset]).toContain((r[0] as { offset: number }).offset);
    expect(reopen(store).map().findings.filter((x) => x.code === 'value_record_corrupt')).toHaveLength(2);
  });

  it('a schema change (key now holds another length) falls back to init and is overwritten by the next save', () => {
    const { store, fram } = boardWith(fixture('calib'));
    fram.saveValue(0x0202, Uint8Array.of(1, 2, 3, 4));
    expect(restorePersistedValues(calib, (k) => reopen(store).readValue(k))[1]).toMatchObject({ source: 'init', reason: 'schema_changed', raw: 0xb400 });
    fram.saveValue(0x0202, Uint8Array.of(0x3c, 0x00));
    expect(restorePersistedValues(calib, (k) => reopen(store).readValue(k))[1]).toMatchObject({ source: 'persisted', raw: 0x3c00 });
  });

  it('refuses bad keys, oversize values, and reports a full store', () => {
    const { fram } = boardWith(fixture('calib'));
    expect(() => fram.saveValue(0, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: 'bad_persist_key' }));
    expect(() => fram.saveValue(0xffff, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: 'bad_persist_key' }));
    expect(() => fram.saveValue(1, new Uint8Array(21))).toThrow(expect.objectContaining({ code: 'value_too_large' }));
    const cells = fram.layout.values.length / 32;
    for (let k = 1; k <= cells / 2; k++) {
      fram.saveValue(k, Uint8Array.of(k & 0xff, 0));
      fram.saveValue(k, Uint8Array.of(k & 0xff, 1));
    }
    expect(() => fram.saveValue(0x7000, Uint8Array.of(0, 0))).toThrow(expect.objectContaining({ code: 'value_store_full' }));
    fram.saveValue(1, Uint8Array.of(9, 9)); // an existing key still saves into its older copy
    expect(fram.readValue(1)).toMatchObject({ status: 'found', bytes: Uint8Array.of(9, 9) });
  });

  it('debounces a burst of sets for one key into one write, in virtual time', () => {
    const { fram } = boardWith(fixture('calib'));
    const sched = new VirtualTimeScheduler();
    let saves = 0;
    const w = new DebouncedValueWriter((k, b) => { saves++; return fram.saveValue(k, b); }, sched, 100);
    const events: PersistEvent[] = [];
    w.events$.subscribe((e) => events.push(e));
    w.set(0x0201, 0x3c00);
    sched.schedule(() => w.set(0x0201, 0x4000), 50);
    sched.schedule(() => w.set(0x0201, 0x4200), 140);
    sched.schedule(() => w.set(0x0202, 0xb400), 10);
    sched.flush();
    expect(saves).toBe(2);
    expect(events.map((e) => [e.kind, e.persistKey, e.at, e.kind === 'persisted' ? e.raw : null])).toEqual([
      ['persisted', 0x0202, 110, 0xb400],
      ['persisted', 0x0201, 240, 0x4200],
    ]);
    expect(fram.readValue(0x0201)).toMatchObject({ bytes: Uint8Array.of(0x42, 0x00) });
    w.set(0x0203, 1);
    expect(w.pendingKeys).toEqual([0x0203]);
    w.flush();
    expect(w.pendingKeys).toEqual([]);
    expect(saves).toBe(3);
    w.dispose();
  });

  it('a failed debounced write is reported as an event, not thrown', () => {
    const sched = new VirtualTimeScheduler();
    const { fram } = boardWith(fixture('calib'));
    const w = new DebouncedValueWriter((k, b) => fram.saveValue(k, b), sched, 10);
    const events: PersistEvent[] = [];
    w.events$.subscribe((e) => events.push(e));
    w.set(0x0300, 1);
    (fram.device as unknown as { store: Uint8Array }).store.fill(0, fram.layout.values.offset, fram.layout.values.offset + 1);
    const full = new DebouncedValueWriter(() => { throw new Error('disk gone'); }, sched, 10);
    full.events$.subscribe((e) => events.push(e));
    full.set(0x0301, 1);
    sched.flush();
    expect(events.map((e) => e.kind)).toEqual(['persisted', 'error']);
    expect(events[1]).toMatchObject({ persistKey: 0x0301, error: { code: 'persist_failed' } });
  });
});

/**
 * The trust record (docs/fram.md): the payload byte by byte, one copy within
 * the 256 bytes the trust partition gives it, factory reset keeping keys,
 * policy and counter, and raising the counter only upwards.
 */
import { describe, expect, it } from 'vitest';
import { keyIdOf } from '../../../src/bundle/index.js';
import { recordSize } from '../../../src/fram/record.js';
import { decodeTrust, encodeTrust, legacyTrustSpec, readTrust, trustSpec, trustStoreEmpty, type TrustArea } from '../../../src/fram/trust.js';
import { readDual, writeDual } from '../../../src/fram/dual.js';
import { otherKey, testKey } from '../bundle/helpers.js';
import { boardWith, fixture, reopen } from './helpers.js';
import { toHex } from '../../../src/util/hex.js';
import { sweep } from './sweep.js';

const T: TrustArea = {
  boardId: '00112233445566778899aabbccddeeff',
  policy: 'signed',
  securityCounter: 0x01020304,
  vendor: 'acme',
  boardClass: 'hsx-a',
  keys: [
    { keyId: testKey.keyId, publicKey: toHex(testKey.raw) },
    { keyId: otherKey.keyId, publicKey: toHex(otherKey.raw) },
  ],
};

describe('the trust record', () => {
  it('lays out board id, policy, counter, vendor, class, key count and keys at the documented offsets', () => {
    const p = encodeTrust(T);
    expect(p.length).toBe(198);
    expect(toHex(p.subarray(0, 16))).toBe(T.boardId);
    expect(p[16]).toBe(1);
    expect([...p.subarray(17, 21)]).toEqual([1, 2, 3, 4]);
    expect(Buffer.from(p.subarray(21, 45)).toString('latin1')).toBe('acme'.padEnd(24, '\0'));
    expect(Buffer.from(p.subarray(45, 69)).toString('latin1')).toBe('hsx-a'.padEnd(24, '\0'));
    expect(p[69]).toBe(2);
    expect(p.subarray(70, 102)).toEqual(testKey.raw);
    expect(p.subarray(102, 134)).toEqual(otherKey.raw);
    expect(p.subarray(134).every((b) => b === 0)).toBe(true);
    expect(decodeTrust(p)).toEqual(T);
    // the key id is the bundle library's
    expect(decodeTrust(p).keys[0]?.keyId).toBe(keyIdOf(testKey.raw));
  });

  it('one copy (commit, seq, magic, payload, CRC) fits the 256 bytes each copy has', () => {
    const { fram } = boardWith(fixture('calib'));
    const spec = trustSpec(fram.layout);
    expect(recordSize(8 + spec.payloadLength)).toBe(211);
    expect(spec.offsets[1] - spec.offsets[0]).toBe(256);
    expect(recordSize(8 + spec.payloadLength)).toBeLessThanOrEqual(spec.offsets[1] - spec.offsets[0]);
  });

  it('a formatted board has an empty store: open, counter 0, no vendor, class or key', () => {
    const { fram } = boardWith(fixture('calib'));
    const t = fram.trust();
    expect(t).toMatchObject({ policy: 'open', securityCounter: 0, vendor: '', boardClass: '', keys: [] });
    expect(trustStoreEmpty(t!)).toBe(true);
    expect(trustStoreEmpty(T)).toBe(false);
  });

  it('factory reset keeps keys, policy and counter', () => {
    const { store, fram } = boardWith(fixture('calib'));
    fram.writeTrust(T);
    expect(fram.raiseSecurityCounter(0x01020305)).toBe(true);
    const kept = fram.trust();
    fram.factoryReset();
    expect(fram.trust()).toEqual(kept);
    expect(reopen(store).trust()).toEqual({ ...T, securityCounter: 0x01020305 });
  });

  it('the counter only goes up, and a raise is power-safe: after a cut at any byte it reads old or new', () => {
    const { store, fram } = boardWith(fixture('calib'));
    fram.writeTrust({ ...T, securityCounter: 4 });
    expect(fram.raiseSecurityCounter(3)).toBe(false);
    expect(fram.raiseSecurityCounter(4)).toBe(false);
    expect(fram.trust()?.securityCounter).toBe(4);
    const n = sweep(
      store,
      (f) => void f.raiseSecurityCounter(9),
      (f, cut) => {
        const t = readTrust(f.device, f.layout);
        expect([4, 9], `cut ${cut}`).toContain(t?.securityCounter);
        expect(t?.keys).toEqual(T.keys);
      },
    );
    expect(n).toBeGreaterThan(0);
  });

  it('a FRAM formatted before the trust store (96-byte record: board id, key type, key slot) reads as an empty store with its board id, and the next write upgrades it', () => {
    const { store, fram } = boardWith(fixture('calib'));
    const L = fram.layout;
    store.fill(0, L.trust[0], L.trust[0] + 0x200);
    const old = new Uint8Array(96);
    old.set(Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'));
    writeDual(fram.device, legacyTrustSpec(L), readDual(fram.device, legacyTrustSpec(L)), old);
    const f = reopen(store);
    expect(f.trust()).toEqual({ boardId: 'ffeeddccbbaa99887766554433221100', policy: 'open', securityCounter: 0, vendor: '', boardClass: '', keys: [] });
    const m = f.map();
    expect(m.findings.filter((x) => x.severity === 'error')).toEqual([]);
    expect(m.findings.map((x) => x.code)).toContain('trust_legacy_layout');
    f.writeTrust({ ...T, boardId: 'ffeeddccbbaa99887766554433221100' });
    const g = reopen(store);
    expect(g.trust()).toEqual({ ...T, boardId: 'ffeeddccbbaa99887766554433221100' });
    expect(g.map().findings.map((x) => x.code)).not.toContain('trust_legacy_layout');
    expect(g.map().findings.filter((x) => x.severity === 'error')).toEqual([]);
  });
});

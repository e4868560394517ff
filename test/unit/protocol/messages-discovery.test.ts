import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { GroupKind, decodeGroupCanId, encodeGroupCanId, groupCanId } from '../../../src/protocol/can-id.js';
import { GroupReceiver, discoverFrame, groupSegments } from '../../../src/protocol/messages-discovery-can.js';
import {
  DiscoveryType,
  decodeAnnounce,
  decodeAssign,
  decodeAssigned,
  decodeDiscover,
  encodeAnnounce,
  encodeAssign,
  encodeAssigned,
  replyDelayMs,
  replyKey,
} from '../../../src/protocol/messages-discovery.js';
import type { AnnounceMsg } from '../../../src/protocol/messages-discovery.js';

const HW = '00112233445566778899aabbccddeeff';
const announce: AnnounceMsg = {
  nonce: 0x12345678,
  nodeId: 0,
  hardwareId: HW,
  protocolVersion: 1,
  capabilities: 0x8000000f,
  state: 'IDLE',
  image: { kind: 'hxe', version: 0, name: 'calib', sha256: 'ab'.repeat(32) },
};

describe('group identifiers (docs/protocol.md 3.5)', () => {
  it('lays out tag 0x19, kind, key and index as documented', () => {
    expect(encodeGroupCanId(GroupKind.request, 0, 0)).toBe(0x19000000);
    expect(encodeGroupCanId(GroupKind.reply, 0x2906, 0)).toBe(0x194a4180);
    expect(encodeGroupCanId(GroupKind.reply, 0x2906, 65)).toBe(0x194a4181); // index mod 64
    expect(groupCanId(GroupKind.groupData, 0x3fffff)).toBe(0x19bfffff);
    expect(decodeGroupCanId(0x194a418b, true)).toEqual({ kind: 1, low: 0x0a418b, key: 0x2906, index: 11 });
    expect(decodeGroupCanId(0x194a418b, false)).toBeUndefined(); // 11-bit frames are never group traffic
    expect(decodeGroupCanId(0x1b000000, true)).toBeUndefined(); // unicast tag
  });
});

describe('discovery messages (docs/protocol.md 4.7)', () => {
  it('DISCOVER is one 8-byte frame; other bytes are not a DISCOVER', () => {
    const f = discoverFrame({ nonce: 0x12345678, spreadMs: 20 });
    expect(f.id).toBe(0x19000000);
    expect([...f.data]).toEqual([0x18, 1, 0x12, 0x34, 0x56, 0x78, 0, 20]);
    expect(decodeDiscover(f.data)).toEqual({ nonce: 0x12345678, spreadMs: 20 });
    expect(decodeDiscover(Uint8Array.of(0x18, 2, 0, 0, 0, 0, 0, 0))).toBeUndefined();
    expect(decodeDiscover(f.data.subarray(0, 7))).toBeUndefined();
  });

  it('ANNOUNCE, ASSIGN and ASSIGNED round-trip; the worked example bytes and key hold', () => {
    const p = encodeAnnounce(announce);
    expect(p.length).toBe(65 + 4 + 5);
    expect(decodeAnnounce(p)).toEqual({ ok: true, msg: announce });
    const none = { ...announce, nodeId: 7, image: { kind: 'none' as const, version: 0, name: '', sha256: null } };
    expect(decodeAnnounce(encodeAnnounce(none))).toEqual({ ok: true, msg: none });
    expect(decodeAssign(encodeAssign({ hardwareId: HW, nodeId: 3 }))).toEqual({ ok: true, msg: { hardwareId: HW, nodeId: 3 } });
    const refused = { hardwareId: HW, result: 'in_use' as const, nodeId: 0, holder: 'ff'.repeat(16) };
    expect(decodeAssigned(encodeAssigned(refused))).toEqual({ ok: true, msg: refused });
    expect(replyKey(0x12345678, HW)).toBe(0x2906);
    expect(replyKey(0, HW)).toBe(0xa543);
    expect(replyDelayMs(20, 0x2906)).toBeCloseTo(3.205, 3);
  });

  it('refuses malformed payloads, naming what is wrong, and values it cannot encode', () => {
    const p = encodeAnnounce(announce);
    expect(decodeAnnounce(p.subarray(0, 30))).toEqual({ ok: false, detail: expect.stringMatching(/too short/) as unknown });
    expect(decodeAnnounce(Uint8Array.of(...p, 0))).toEqual({ ok: false, detail: 'ANNOUNCE has 1 bytes after the image name' });
    const badKind = p.slice();
    badKind[27 + 4] = 9;
    expect(decodeAnnounce(badKind)).toMatchObject({ ok: false, detail: expect.stringMatching(/image kind 9/) as unknown });
    expect(decodeAssign(new Uint8Array(16)).ok).toBe(false);
    const badResult = encodeAssigned({ hardwareId: HW, result: 'ok', nodeId: 1, holder: null });
    badResult[16] = 7;
    expect(decodeAssigned(badResult).ok).toBe(false);
    expect(() => encodeAnnounce({ ...announce, state: 'x'.repeat(17) })).toThrow(ProtocolError);
    expect(() => encodeAssign({ hardwareId: 'zz', nodeId: 1 })).toThrow(/32 lowercase hex digits/);
  });

  it('a receiver takes interleaved replies of two nodes apart by key, and drops a frame whose CRC fails', () => {
    const a = groupSegments(DiscoveryType.ANNOUNCE, encodeAnnounce(announce), { role: 'node', key: 1 });
    const other = { ...announce, hardwareId: 'ff'.repeat(16) };
    const b = groupSegments(DiscoveryType.ANNOUNCE, encodeAnnounce(other), { role: 'node', key: 2 });
    const rx = new GroupReceiver();
    const got: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      for (const f of [a[i], b[i]]) {
        if (f === undefined) continue;
        const u = rx.push(f);
        if (u?.kind === 'frame') {
          const d = decodeAnnounce(u.frame.payload);
          if (d.ok) got.push(`${u.key}:${d.msg.hardwareId}`);
        }
      }
    }
    expect(got.sort()).toEqual([`1:${HW}`, `2:${'ff'.repeat(16)}`]);
    // Two nodes on one key: their segments mix and the frame's CRC-32 fails.
    const mixed = new GroupReceiver();
    const c = groupSegments(DiscoveryType.ANNOUNCE, encodeAnnounce(other), { role: 'node', key: 1 });
    const units = a.map((f, i) => mixed.push(i % 2 === 0 ? f : c[i]!));
    expect(units.some((u) => u?.kind === 'frame')).toBe(false);
    expect(mixed.counters.crcErrors).toBe(1);
    expect(rx.push({ id: 0x19800000, extended: true, fd: false, data: new Uint8Array(8) })).toBeUndefined(); // group data: not discovery
  });
});

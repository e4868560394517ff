import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCanId } from '../../../src/protocol/can-id.js';
import { announceFrame, decodeParityFrame, parityId } from '../../../src/protocol/can-parity.js';
import { CanReassembler } from '../../../src/protocol/can-reassembler.js';
import { segmentFrame } from '../../../src/protocol/can-segment.js';
import { encodeFrame } from '../../../src/protocol/frame.js';
import type { CanFrame } from '../../../src/transports/types.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** A 276-byte DATA-sized frame: 35 classic segments, the size of a 256-byte chunk on the CLI's classic CAN. */
const FRAME = encodeFrame({ type: 0x06, flags: 0, session: 1, seq: 2, payload: Uint8Array.from({ length: 260 }, (_, i) => (i * 37 + 11) & 0xff) });
const OPTS = { fd: false, idFormat: 'std', node: 5, direction: 'toTarget' } as const;

describe('parity identifiers (docs/protocol.md 5.5)', () => {
  it('encodes tag 0x1A | direction | node | kcode | group, and the announcement', () => {
    // 0x1A829001 = 11010 | 1 (to target) | 00000101 (node 5) | 0 (parity) 01 (k = 8) 000000000001 (group 1)
    expect(parityId('toTarget', 5, 8, 1)).toBe(0x1a829001);
    // 0x1A02C000 = 11010 | 0 (to host) | 00000101 | 1 (announcement) 0...0
    const a = announceFrame('toHost', 5);
    expect([a.id, a.extended, toHex(a.data)]).toEqual([0x1a02c000, true, '01']);
    expect(decodeParityFrame(a)).toEqual({ kind: 'announce', direction: 'toHost', node: 5 });
    expect(decodeParityFrame({ id: 0x1a82bfff, extended: true, fd: false, data: new Uint8Array(8) })).toEqual({
      kind: 'parity', direction: 'toTarget', node: 5, k: 32, group: 0xfff,
    });
  });

  it('is not hilbridge data traffic for a receiver that does not know it', () => {
    expect(decodeCanId('ext', parityId('toTarget', 5, 4, 1))).toBeUndefined();
    expect(decodeParityFrame({ id: 0x4a0, extended: false, fd: false, data: new Uint8Array(8) })).toBeUndefined();
    expect(decodeParityFrame({ id: 0x1b828000, extended: true, fd: false, data: new Uint8Array(8) })).toBeUndefined();
  });
});

describe('segmentFrame with parity', () => {
  it('sends group 0 parity first, every later group parity after its last segment; parity = XOR of the group', () => {
    const segs = segmentFrame(FRAME, { ...OPTS, parity: 16 });
    const kinds = segs.map((s) => (s.extended ? `P${decodeParityFrame(s)!.kind === 'parity' ? (s.id & 0xfff) : '?'}` : 'D'));
    expect(kinds.join('')).toBe(`P0${'D'.repeat(32)}P1${'D'.repeat(3)}P2`);
    const xor = new Uint8Array(8);
    for (let s = 16; s < 32; s++) FRAME.subarray(s * 8, s * 8 + 8).forEach((b, i) => (xor[i]! ^= b));
    expect(toHex(segs[33]!.data)).toBe(toHex(xor));
    const last = new Uint8Array(8);
    for (let s = 32; s < 35; s++) FRAME.subarray(s * 8, Math.min(FRAME.length, s * 8 + 8)).forEach((b, i) => (last[i]! ^= b));
    expect(toHex(segs.at(-1)!.data)).toBe(toHex(last));
  });

  it('leaves frames of at most k segments and k 0 alone', () => {
    expect(segmentFrame(FRAME.subarray(0, 16), { ...OPTS, parity: 4 }).every((s) => !s.extended)).toBe(true);
    expect(segmentFrame(FRAME, { ...OPTS, parity: 0 })).toHaveLength(35);
  });
});

/** Feed units into a reassembler as the CAN channel does; returns the frames completed. */
function feed(units: readonly CanFrame[], counters = { segmentErrors: 0, oversize: 0, malformed: 0 }): string[] {
  const r = new CanReassembler(1024, 32, counters);
  const out: string[] = [];
  for (const u of units) {
    const p = decodeParityFrame(u);
    const f = p?.kind === 'parity' ? r.pushParity(p.k, p.group, u.data) : p ? undefined : r.push(decodeCanId('std', u.id)!.index, u.data);
    if (f) out.push(toHex(f));
  }
  return out;
}

describe('CanReassembler with parity', () => {
  const segs = segmentFrame(FRAME, { ...OPTS, parity: 4 });
  const isD0 = (i: number) => i === 1; // units: P0, D0, D1, ...

  it('rebuilds any one lost unit but segment 0 (a frame without them would be lost)', () => {
    for (let i = 0; i < segs.length; i++) {
      const counters = { segmentErrors: 0, oversize: 0, malformed: 0 };
      const got = feed([...segs.filter((_, j) => j !== i), ...segs], counters);
      expect(got, `unit ${i} lost`).toEqual(isD0(i) ? [toHex(FRAME)] : [toHex(FRAME), toHex(FRAME)]);
    }
  });

  it('rebuilds one lost segment in every group at once, and drops (counted) a frame with two lost in one group', () => {
    const data = segs.filter((s) => !s.extended);
    const lost = new Set([data[2], data[5], data[11], data[12], data[34]]); // groups 0, 1, 2, 3, 8
    expect(feed(segs.filter((s) => !lost.has(s)))).toEqual([toHex(FRAME)]);
    const counters = { segmentErrors: 0, oversize: 0, malformed: 0 };
    const two = new Set([data[5], data[7]]);
    expect(feed([...segs.filter((s) => !two.has(s)), ...segs], counters)).toEqual([toHex(FRAME)]);
    expect(counters.segmentErrors).toBe(1);
  });

  it('still rebuilds later groups when group 0 parity is lost, once the sender was seen coding', () => {
    const data = segs.filter((s) => !s.extended);
    const second = segs.filter((s) => s !== segs[0] && s !== data[9]);
    expect(feed([...segs, ...second])).toEqual([toHex(FRAME), toHex(FRAME)]);
  });

  it('decode(encode(x)) = x with at most one unit lost per group (not segment 0), any frame, any k', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 900 }),
        fc.constantFrom(4, 8, 16, 32),
        fc.array(fc.nat(), { maxLength: 40 }),
        (payload, k, picks) => {
          const f = encodeFrame({ type: 6, flags: 0, session: 1, seq: 1, payload });
          const units = segmentFrame(f, { ...OPTS, parity: k });
          const group = (u: CanFrame, i: number): number => {
            const p = decodeParityFrame(u);
            if (p?.kind === 'parity') return p.group;
            return Math.floor(units.slice(0, i).filter((x) => !x.extended).length / k);
          };
          const dropped = new Set<number>();
          const groups = new Set<number>();
          for (const p of picks) {
            const i = p % units.length;
            const u = units[i]!;
            if (!u.extended && decodeCanId('std', u.id)!.index === 0 && i <= 1) continue; // segment 0
            if (units.length === Math.ceil(f.length / 8)) continue; // not coded
            if (groups.has(group(u, i))) continue;
            groups.add(group(u, i));
            dropped.add(i);
          }
          expect(feed([...units, ...units.filter((_, i) => !dropped.has(i))])).toEqual([toHex(f), toHex(f)]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('works on CAN FD: 64-byte segments and parity, the padded last segment rebuilt without its padding', () => {
    const f = encodeFrame({ type: 6, flags: 0, session: 1, seq: 3, payload: Uint8Array.from({ length: 900 }, (_, i) => (i * 13) & 0xff) });
    const units = segmentFrame(f, { fd: true, idFormat: 'std', node: 5, direction: 'toTarget', parity: 4 });
    expect(units.filter((u) => u.extended).every((u) => u.fd && u.data.length === 64)).toBe(true);
    const data = units.filter((u) => !u.extended);
    expect(data).toHaveLength(15); // 916 bytes: 14 full segments and one of 20 (padded to 20: valid FD length)
    for (const lost of [data[6]!, data.at(-1)!]) {
      const r = new CanReassembler(1024, 32, { segmentErrors: 0, oversize: 0, malformed: 0 });
      const out: string[] = [];
      for (const u of units.filter((x) => x !== lost)) {
        const p = decodeParityFrame(u);
        const got = p?.kind === 'parity' ? r.pushParity(p.k, p.group, u.data) : r.push(decodeCanId('std', u.id)!.index, u.data);
        if (got) out.push(toHex(got));
      }
      expect(out).toEqual([toHex(f)]);
    }
  });
});


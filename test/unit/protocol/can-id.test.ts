import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UsageError } from '../../../src/errors.js';
import {
  canReceiveFilter,
  checkCanNode,
  decodeCanId,
  encodeCanId,
} from '../../../src/protocol/can-id.js';
import type { CanAddress, CanDirection } from '../../../src/protocol/can-id.js';

describe('11-bit identifiers', () => {
  it('lays out direction, node and index', () => {
    // 1 00101 00000: host -> target, node 5, index 0
    expect(encodeCanId('std', { node: 5, direction: 'toTarget', index: 0 })).toBe(0x4a0);
    // 0 00101 00011: target -> host, node 5, index 3
    expect(encodeCanId('std', { node: 5, direction: 'toHost', index: 3 })).toBe(0x0a3);
    // 0 11111 11111: node 31, index 31
    expect(encodeCanId('std', { node: 31, direction: 'toHost', index: 31 })).toBe(0x3ff);
    // the index wraps modulo 32
    expect(encodeCanId('std', { node: 1, direction: 'toTarget', index: 33 })).toBe(0x421);
    expect(decodeCanId('std', 0x4a0)).toEqual({ node: 5, direction: 'toTarget', index: 0 });
    expect(decodeCanId('std', 0x0a3)).toEqual({ node: 5, direction: 'toHost', index: 3 });
  });
  it('treats node 0 and out-of-range ids as foreign', () => {
    expect(decodeCanId('std', 0x41f)).toBeUndefined();
    expect(decodeCanId('std', 0x800)).toBeUndefined();
  });
  it('gives the target direction the numerically lower id (wins arbitration)', () => {
    for (let node = 1; node <= 31; node++) {
      for (let other = 1; other <= 31; other++) {
        expect(encodeCanId('std', { node, direction: 'toHost', index: 31 })).toBeLessThan(
          encodeCanId('std', { node: other, direction: 'toTarget', index: 0 }),
        );
      }
    }
  });
});

describe('29-bit identifiers', () => {
  it('lays out tag 0x1B, direction, node and index', () => {
    // 11011 1 00000101 000000000000000
    expect(encodeCanId('ext', { node: 5, direction: 'toTarget', index: 0 })).toBe(0x1b828000);
    // 11011 0 11111110 111111111111111
    expect(encodeCanId('ext', { node: 254, direction: 'toHost', index: 0x7fff })).toBe(0x1b7f7fff);
    expect(encodeCanId('ext', { node: 5, direction: 'toHost', index: 32768 + 2 })).toBe(0x1b028002);
    expect(decodeCanId('ext', 0x1b828000)).toEqual({ node: 5, direction: 'toTarget', index: 0 });
  });
  it('ignores other tags, node 0 and node 255', () => {
    expect(decodeCanId('ext', 0x1a828000)).toBeUndefined();
    expect(decodeCanId('ext', 0x1b800000)).toBeUndefined();
    expect(decodeCanId('ext', 0x1b7f8000)).toBeUndefined();
    expect(decodeCanId('ext', 0x2b828000)).toBeUndefined();
  });
});

describe('identifier round trip and filters', () => {
  const addr = (max: number, mod: number) =>
    fc.record({
      node: fc.integer({ min: 1, max }),
      direction: fc.constantFrom<CanDirection>('toHost', 'toTarget'),
      index: fc.integer({ min: 0, max: mod - 1 }),
    });
  it.each([
    ['std', 31, 32],
    ['ext', 254, 32768],
  ] as const)('%s: decode(encode(a)) = a, and the receive filter matches exactly its node and direction', (format, max, mod) => {
    fc.assert(
      fc.property(addr(max, mod), addr(max, mod), (a: CanAddress, b: CanAddress) => {
        const id = encodeCanId(format, a);
        expect(decodeCanId(format, id)).toEqual(a);
        const f = canReceiveFilter(format, a.node, a.direction);
        const idB = encodeCanId(format, b);
        expect((idB & f.mask) === (f.id & f.mask)).toBe(b.node === a.node && b.direction === a.direction);
      }),
    );
  });
  it('gives SocketCAN filters with the EFF/RTR flags', () => {
    expect(canReceiveFilter('std', 5, 'toHost')).toEqual({
      id: 0x0a0,
      mask: 0x7e0,
      extended: false,
      socketcan: { canId: 0x0a0, canMask: 0xc00007e0 },
    });
    expect(canReceiveFilter('ext', 5, 'toTarget').socketcan).toEqual({ canId: 0x9b828000, canMask: 0xdfff8000 });
  });
  it('validates node ids per format', () => {
    expect(() => checkCanNode('std', 32, 'vcan0')).toThrow(/use 29-bit/);
    expect(() => checkCanNode('std', 0, 'vcan0')).toThrow(UsageError);
    expect(() => checkCanNode('ext', 255, 'vcan0')).toThrow(UsageError);
    expect(() => checkCanNode('ext', 254, 'vcan0')).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cobsMaxEncodedSize } from '../../../src/protocol/cobs.js';
import { CobsSplitter, encodeCobsUnit } from '../../../src/protocol/cobs-stream.js';
import type { CobsRun } from '../../../src/protocol/cobs-stream.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const describeRuns = (runs: CobsRun[]): string[] =>
  runs.map((r) => (r.kind === 'frame' ? `frame ${toHex(r.bytes)}` : `${r.kind} ${r.garbageBytes}`));

describe('encodeCobsUnit', () => {
  it('writes COBS and the delimiter into one unit, with an optional leading flush', () => {
    expect(toHex(encodeCobsUnit(hex('11 22 00 33')))).toBe('031122023300');
    expect(toHex(encodeCobsUnit(hex('11 22 00 33'), true))).toBe('00031122023300');
  });
});

describe('CobsSplitter', () => {
  const A = hex('11 22 00 33');
  const B = hex('44 00 00 55 66');
  const stream = cat(encodeCobsUnit(A, true), encodeCobsUnit(B));

  it('recovers frames split at every point of the stream', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new CobsSplitter(64);
      const runs = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
      expect(describeRuns(runs)).toEqual([`frame ${toHex(A)}`, `frame ${toHex(B)}`]);
    }
  });

  it('recovers several frames from one read, fed byte by byte too', () => {
    const s = new CobsSplitter(64);
    expect(describeRuns(s.push(stream))).toHaveLength(2);
    const t = new CobsSplitter(64);
    const runs = Array.from(stream).flatMap((b) => t.push(Uint8Array.of(b)));
    expect(describeRuns(runs)).toEqual([`frame ${toHex(A)}`, `frame ${toHex(B)}`]);
  });

  it('ignores lone and repeated delimiters', () => {
    const s = new CobsSplitter(64);
    expect(s.push(hex('00 00 00'))).toEqual([]);
    expect(describeRuns(s.push(cat(hex('00'), encodeCobsUnit(A), hex('00 00'))))).toEqual([`frame ${toHex(A)}`]);
  });

  it('reports garbage before a flushed frame as one malformed run', () => {
    const s = new CobsSplitter(64);
    // "05 11" claims 4 data bytes but the run ends: not valid COBS.
    const runs = s.push(cat(hex('05 11'), encodeCobsUnit(A, true)));
    expect(describeRuns(runs)).toEqual(['malformed 2', `frame ${toHex(A)}`]);
  });

  it('discards an over-long run up to the next delimiter without buffering it', () => {
    const s = new CobsSplitter(20);
    const cap = cobsMaxEncodedSize(20);
    expect(s.capacity).toBe(cap);
    const long = new Uint8Array(cap + 5).fill(0x41);
    expect(s.push(long.subarray(0, 10))).toEqual([]);
    expect(s.push(long.subarray(10))).toEqual([]);
    expect(s.buffered).toBe(0);
    expect(s.push(new Uint8Array(1000).fill(0x42))).toEqual([]);
    expect(s.buffered).toBe(0);
    const runs = s.push(cat(hex('00'), encodeCobsUnit(A)));
    expect(describeRuns(runs)).toEqual([`oversize ${cap + 5 + 1000}`, `frame ${toHex(A)}`]);
  });

  it('accepts a run of exactly the bound', () => {
    const s = new CobsSplitter(20);
    const frame = new Uint8Array(20).fill(9);
    const runs = s.push(encodeCobsUnit(frame));
    expect(describeRuns(runs)).toEqual([`frame ${toHex(frame)}`]);
  });

  it('round-trips any frames under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        (frames, sizes) => {
          const bytes = cat(...frames.map((f, i) => encodeCobsUnit(f, i === 0)));
          const s = new CobsSplitter(300);
          const out: CobsRun[] = [];
          for (let at = 0, k = 0; at < bytes.length; k++) {
            const n = sizes[k % sizes.length]!;
            out.push(...s.push(bytes.subarray(at, at + n)));
            at += n;
          }
          expect(describeRuns(out)).toEqual(frames.map((f) => `frame ${toHex(f)}`));
        },
      ),
    );
  });

  it('never throws and never buffers beyond its capacity on random input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 30 }), (chunks) => {
        const s = new CobsSplitter(64);
        for (const c of chunks) {
          for (const r of s.push(c)) if (r.kind === 'frame') expect(r.bytes.length).toBeLessThan(s.capacity);
          expect(s.buffered).toBeLessThanOrEqual(s.capacity);
        }
      }),
    );
  });
});

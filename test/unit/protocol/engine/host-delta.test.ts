/**
 * The host's packer (host-delta.ts packerFor): per chunk the smallest
 * encoding among the codecs the board advertised and this library knows,
 * as the packed operation's codec id; nothing when they share none.
 */
import { describe, expect, it } from 'vitest';
import { CodecId, compressChunk, decompressChunk } from '../../../../src/codec/index.js';
import { ChunkCoder } from '../../../../src/protocol/engine/delta-coder.js';
import { packerFor } from '../../../../src/protocol/engine/host-delta.js';
import type { XOp } from '../../../../src/protocol/messages-types.js';
import { randomBytes } from '../../codec/firmware-like.js';
import { firmwareImage } from '../../../integration/delta-images.js';

const BOTH = [{ id: CodecId.Hlz1 }, { id: CodecId.Deflate }];

/** Two 2 KiB chunks of the bench image (test/integration/delta-images.ts): its first (deflate is smaller) and its 41st (hlz1 is, by 49 bytes). */
function image(): Uint8Array {
  const bench = firmwareImage(128 * 1024);
  return Uint8Array.from([...bench.subarray(0, 2048), ...bench.subarray(40 * 2048, 41 * 2048)]);
}

function packedOf(m: ReturnType<ChunkCoder['message']>): Extract<XOp, { op: 'packed' }> {
  expect(m.kind).toBe('xdata');
  const op = m.kind === 'xdata' ? m.ops[0] : undefined;
  if (op?.op !== 'packed') throw new Error('not a packed chunk');
  return op;
}

describe('packerFor: the smallest codec per chunk', () => {
  it('picks deflate for one chunk and hlz1 for the other, each the smaller, and both decode', () => {
    const img = image();
    const coder = new ChunkCoder(img, 2048, [], packerFor(BOTH, true), 0);
    const chosen: number[] = [];
    for (const i of [0, 1]) {
      const raw = img.subarray(i * 2048, (i + 1) * 2048);
      const op = packedOf(coder.message(i, 1));
      const h = compressChunk(raw, CodecId.Hlz1)!.length;
      const d = compressChunk(raw, CodecId.Deflate)!.length;
      expect(op.bytes.length).toBe(Math.min(h, d));
      expect(decompressChunk(op.bytes, raw.length, op.codec as CodecId)).toEqual(raw);
      chosen.push(op.codec);
    }
    expect(chosen).toEqual([CodecId.Deflate, CodecId.Hlz1]);
    expect(coder.codecsUsed()).toEqual([CodecId.Hlz1, CodecId.Deflate]);
  });

  it('uses only what the board advertised and this library knows; none in common, or --no-compress: no packer', () => {
    const img = image();
    const onlyHlz1 = new ChunkCoder(img, 2048, [], packerFor([{ id: CodecId.Hlz1 }, { id: 77 }], true), 0);
    expect(packedOf(onlyHlz1.message(0, 1)).codec).toBe(CodecId.Hlz1);
    const onlyDeflate = new ChunkCoder(img, 2048, [], packerFor([{ id: CodecId.Deflate }], true), 0);
    expect(packedOf(onlyDeflate.message(1, 1)).codec).toBe(CodecId.Deflate);
    expect(packerFor([{ id: 77 }, { id: CodecId.None }], true)).toBeUndefined();
    expect(packerFor(BOTH, false)).toBeUndefined();
  });

  it('random chunks go as plain DATA', () => {
    const rnd = randomBytes(4096, 3);
    const coder = new ChunkCoder(rnd, 2048, [], packerFor(BOTH, true), 0);
    expect(coder.message(0, 1).kind).toBe('data');
    expect(coder.message(1, 1).kind).toBe('data');
    expect(coder.codecsUsed()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { CodecId, compressChunk } from '../../../../src/codec/index.js';
import { sigsReply, xdataChunks } from '../../../../src/protocol/engine/target-delta.js';
import type { ActiveImageSource } from '../../../../src/protocol/image-sink.js';
import type { XOp, XdataMsg } from '../../../../src/protocol/messages-types.js';
import { decodeMessage, encodeMessage } from '../../../../src/protocol/messages.js';
import { blockSig } from '../../../../src/protocol/delta-hash.js';

/** The active slot as a byte array (what a board's ActiveImageSource reads from its flash). */
function activeOf(image: Uint8Array | undefined, codecs = [{ id: CodecId.Hlz1, decoderRamBytes: 2064 }]): ActiveImageSource & { reads: number } {
  const src = {
    reads: 0,
    codecs,
    activeImage: () => Promise.resolve(image === undefined ? undefined : { size: image.length, sha256: new Uint8Array(32) }),
    readActive: (offset: number, length: number) => {
      src.reads += length;
      if (image === undefined || offset + length > image.length) return Promise.reject(new Error('read outside the active image'));
      return Promise.resolve(image.slice(offset, offset + length));
    },
  };
  return src;
}

const active = new Uint8Array(4096).map((_, i) => (i * 13) & 0xff);
const session = { size: 3000, chunk: 1024, window: 4 };

async function build(src: ActiveImageSource, m: XdataMsg): Promise<{ offset: number; bytes: Uint8Array }[]> {
  const out: { offset: number; bytes: Uint8Array }[] = [];
  for await (const c of xdataChunks(src, m, session)) out.push({ offset: c.offset, bytes: c.bytes.slice() });
  return out;
}

const x = (offset: number, count: number, ops: XOp[]): XdataMsg => ({ kind: 'xdata', offset, count, ops });

describe('XDATA on the target', () => {
  it('builds chunks from copies, literals and packed bytes, a run across chunk boundaries and a short last chunk', async () => {
    const lit = new Uint8Array(100).fill(9);
    const raw = new Uint8Array(400).fill(0x42);
    const packed = compressChunk(raw)!;
    const chunks = await build(activeOf(active), x(0, 3, [
      { op: 'copy', src: 10, length: 1500 },
      { op: 'literal', bytes: lit },
      { op: 'packed', codec: CodecId.Hlz1, rawLength: 400, bytes: packed },
      { op: 'copy', src: 0, length: 1000 },
    ]));
    expect(chunks.map((c) => [c.offset, c.bytes.length])).toEqual([[0, 1024], [1024, 1024], [2048, 952]]);
    const all = new Uint8Array(Buffer.concat(chunks.map((c) => c.bytes)));
    expect(all.subarray(0, 1500)).toEqual(active.subarray(10, 1510));
    expect(all.subarray(1500, 1600)).toEqual(lit);
    expect(all.subarray(1600, 2000)).toEqual(raw);
    expect(all.subarray(2000, 3000)).toEqual(active.subarray(0, 1000));
  });

  it.each<[string, XdataMsg, string]>([
    ['a copy beyond the active image', x(0, 1, [{ op: 'copy', src: 4000, length: 1024 }]), 'bad_delta'],
    ['a huge copy', x(0, 1, [{ op: 'copy', src: 0, length: 0xffffffff }]), 'bad_delta'],
    ['a copy source past 4 GiB', x(0, 1, [{ op: 'copy', src: 0xffffff00, length: 1024 }]), 'bad_delta'],
    ['operations shorter than the chunk', x(0, 1, [{ op: 'copy', src: 0, length: 1000 }]), 'bad_delta'],
    ['operations longer than the chunk', x(0, 1, [{ op: 'copy', src: 0, length: 1024 }, { op: 'literal', bytes: new Uint8Array(1) }]), 'bad_delta'],
    ['an offset that is not a chunk start', x(512, 1, [{ op: 'copy', src: 0, length: 1024 }]), 'bad_delta'],
    ['an offset beyond the image (overlapping nothing of the staging target)', x(4096, 1, [{ op: 'copy', src: 0, length: 1024 }]), 'bad_delta'],
    ['more chunks than the window', x(0, 5, [{ op: 'copy', src: 0, length: 3000 }]), 'bad_delta'],
    ['more chunks than the image', x(2048, 2, [{ op: 'copy', src: 0, length: 952 }]), 'bad_delta'],
    ['a codec the board does not decode', x(0, 1, [{ op: 'packed', codec: 7, rawLength: 1024, bytes: new Uint8Array(10) }]), 'codec_unsupported'],
    ['packed bytes that do not decompress', x(0, 1, [{ op: 'packed', codec: CodecId.Hlz1, rawLength: 1024, bytes: new Uint8Array(40).fill(0xff) }]), 'bad_packed'],
    // 2 chunks of 1024 bytes, one packed op decoding 2048 at once: more than the one chunk buffer the board spends
    ['a packed operation longer than a chunk', x(0, 2, [{ op: 'packed', codec: CodecId.Hlz1, rawLength: 2048, bytes: compressChunk(new Uint8Array(2048).fill(1))! }]), 'bad_delta'],
    ['a literal longer than a chunk', x(0, 2, [{ op: 'literal', bytes: new Uint8Array(2048) }]), 'bad_delta'],
  ])('refuses %s, typed, before writing anything', async (_what, m, code) => {
    const src = activeOf(active);
    const out: unknown[] = [];
    await expect((async () => {
      for await (const c of xdataChunks(src, m, session)) out.push(c);
    })()).rejects.toMatchObject({ code, offset: m.offset });
    expect(out).toEqual([]);
    expect(src.reads).toBe(0);
  });

  it('refuses a copy when the board has no active image', async () => {
    await expect(build(activeOf(undefined), x(0, 1, [{ op: 'copy', src: 0, length: 1024 }]))).rejects.toMatchObject({ code: 'no_active_image' });
  });

  it('a hostile packed operation in the second chunk leaves the first chunk built and nothing of the second', async () => {
    const out: number[] = [];
    const m = x(0, 2, [{ op: 'copy', src: 0, length: 1024 }, { op: 'packed', codec: CodecId.Hlz1, rawLength: 1024, bytes: new Uint8Array(30).fill(0x80) }]);
    await expect((async () => {
      for await (const c of xdataChunks(activeOf(active), m, session)) out.push(c.offset);
    })()).rejects.toMatchObject({ code: 'bad_packed' });
    expect(out).toEqual([0]);
  });
});

describe('SIGS on the target', () => {
  it('signs the active image in pages that fit the frame', async () => {
    const r = await sigsReply(activeOf(active), { kind: 'sigs', start: 0, end: 0xffffffff, blockSize: 64 }, 256);
    if (r.kind !== 'sigs_info') throw new Error('no SIGS_INFO');
    expect(r.activeSize).toBe(4096);
    expect(encodeMessage(r).payload.length + 16).toBeLessThanOrEqual(256);
    expect(r.sigs.length).toBeGreaterThan(10);
    expect(r.sigs[3]).toEqual(blockSig(active.subarray(192, 256)));
    const back = decodeMessage(0x25, encodeMessage(r).payload);
    expect(back).toEqual({ ok: true, msg: r });
  });

  it('answers several ranges in one SIGS_INFO, a group each, in order; a range past the image gets an empty group', async () => {
    const more = [{ start: 1024, end: 1152 }, { start: 4064, end: 0xffffffff }, { start: 0xffff0000, end: 0xffffffff }];
    const r = await sigsReply(activeOf(active), { kind: 'sigs', start: 0, end: 64, blockSize: 64, more }, 2048);
    if (r.kind !== 'sigs_info') throw new Error('no SIGS_INFO');
    expect(r.start).toBe(0);
    expect(r.sigs).toEqual([blockSig(active.subarray(0, 64))]);
    expect(r.more).toEqual([
      { start: 1024, sigs: [blockSig(active.subarray(1024, 1088)), blockSig(active.subarray(1088, 1152))] },
      { start: 4064, sigs: [blockSig(active.subarray(4064, 4096))] }, // the short last block
      { start: 0xffff0000, sigs: [] },
    ]);
    expect(decodeMessage(0x25, encodeMessage(r).payload)).toEqual({ ok: true, msg: r });
  });

  it('a range whose last block reaches past the next range\'s start: the answer decodes (groups ascend by start)', async () => {
    const r = await sigsReply(activeOf(active), { kind: 'sigs', start: 0, end: 20, blockSize: 16, more: [{ start: 24, end: 100 }] }, 2048);
    if (r.kind !== 'sigs_info') throw new Error('no SIGS_INFO');
    expect(r.sigs).toHaveLength(2); // [0, 16) and [16, 32): past 24
    expect(r.more![0]!.start).toBe(24);
    expect(decodeMessage(0x25, encodeMessage(r).payload)).toEqual({ ok: true, msg: r });
  });

  it('stops where the frame is full: the last group ends inside its range, later ranges are not answered', async () => {
    const req = { kind: 'sigs', start: 0, end: 640, blockSize: 64, more: [{ start: 1024, end: 4096 }, { start: 4096, end: 4096 }] } as const;
    const r = await sigsReply(activeOf(active), req, 256);
    if (r.kind !== 'sigs_info') throw new Error('no SIGS_INFO');
    expect(encodeMessage(r).payload.length + 16).toBeLessThanOrEqual(256);
    expect(r.sigs).toHaveLength(10);
    expect(r.more).toHaveLength(1);
    expect(r.more![0]!.start).toBe(1024);
    expect(r.more![0]!.sigs.length).toBeGreaterThan(0);
    expect(r.more![0]!.sigs.length).toBeLessThan(48);
  });

  it('a board without an active image answers size 0 and no signatures', async () => {
    const r = await sigsReply(activeOf(undefined), { kind: 'sigs', start: 0, end: 100, blockSize: 64 }, 1024);
    expect(r).toMatchObject({ activeSize: 0, sigs: [] });
  });
});

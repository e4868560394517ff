/**
 * Codec benchmark (npm run bench [-- --json] [-- --only=codec]; or
 * `npx tsx bench/codec.ts [--json] [file...]` to measure files of your own):
 * per codec (hlz1, deflate, and `best`: per chunk the smaller of both, what
 * the host sends a board that decodes both), input and chunk size, the ratio
 * of image bytes to bytes sent when each chunk goes compressed only if
 * smaller (docs/compression.md section 8),
 * the share of chunks sent compressed, and encode/decode speed on this
 * machine (MB/s of image bytes, best of 3). Inputs: the HSX fixtures
 * concatenated (code-like), a 128 KiB firmware-like image built from them
 * (test/unit/codec/firmware-like.ts), its code section alone, and random
 * bytes, and the HXE image bench/delta.ts sends (test/integration/delta-images.ts).
 * Every decode is checked against the input.
 */
import { readFileSync } from 'node:fs';
import { CodecId, compressBest, decompressChunk, type Packed } from '../src/codec/index.js';
import { firmwareLike, hsxFixtures, randomBytes } from '../test/unit/codec/firmware-like.js';
import { firmwareImage } from '../test/integration/delta-images.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const files = args.filter((a) => !a.startsWith('--'));
const CHUNKS = [256, 1024, 2048, 4096];
const CODECS: readonly { name: string; ids: readonly CodecId[] }[] = [
  { name: 'hlz1', ids: [CodecId.Hlz1] },
  { name: 'deflate', ids: [CodecId.Deflate] },
  { name: 'best', ids: [CodecId.Hlz1, CodecId.Deflate] },
];

function inputs(): { name: string; bytes: Uint8Array }[] {
  if (files.length > 0) return files.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
  const fw = firmwareLike(128 * 1024);
  return [
    { name: 'hsx-fixtures', bytes: Uint8Array.from(hsxFixtures().flatMap((f) => [...f.bytes])) },
    { name: 'firmware-128k', bytes: fw },
    { name: 'bench-image', bytes: firmwareImage(128 * 1024) },
    { name: 'firmware-code', bytes: fw.subarray(256, 256 + Math.floor((fw.length * 0.55) / 4) * 4) },
    { name: 'random-128k', bytes: randomBytes(128 * 1024, 1) },
  ];
}

function best(f: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

interface Figure {
  readonly event: 'bench';
  readonly codec: string;
  readonly input: string;
  readonly bytes: number;
  readonly chunk: number;
  readonly wireBytes: number;
  readonly ratio: number;
  readonly compressedChunks: number;
  readonly chunks: number;
  readonly encodeMBps: number;
  readonly decodeMBps: number | null;
}

function measure(codec: (typeof CODECS)[number], name: string, img: Uint8Array, chunk: number): Figure {
  const packed: (Packed | undefined)[] = [];
  const encMs = best(() => {
    packed.length = 0;
    for (let o = 0; o < img.length; o += chunk) packed.push(compressBest(img.subarray(o, o + chunk), codec.ids));
  });
  const decMs = best(() => {
    packed.forEach((c, i) => {
      if (c === undefined) return;
      const o = i * chunk;
      const d = decompressChunk(c.bytes, Math.min(chunk, img.length - o), c.codec);
      if (!Buffer.from(d).equals(Buffer.from(img.subarray(o, o + chunk)))) throw new Error(`${name}: chunk at ${o} did not round-trip`);
    });
  });
  const wire = packed.reduce((n, c, i) => n + (c?.bytes.length ?? Math.min(chunk, img.length - i * chunk)), 0);
  const compressedChunks = packed.filter((c) => c !== undefined).length;
  return {
    event: 'bench',
    codec: codec.name,
    input: name,
    bytes: img.length,
    chunk,
    wireBytes: wire,
    ratio: Number((img.length / wire).toFixed(3)),
    compressedChunks,
    chunks: packed.length,
    encodeMBps: Number((img.length / 1e3 / encMs).toFixed(1)),
    decodeMBps: compressedChunks === 0 ? null : Number((img.length / 1e3 / decMs).toFixed(1)),
  };
}

for (const codec of CODECS) {
  for (const { name, bytes } of inputs()) {
    for (const chunk of CHUNKS) {
      const f = measure(codec, name, bytes, chunk);
      if (json) process.stdout.write(`${JSON.stringify(f)}\n`);
      else
        process.stdout.write(
          `codec ${codec.name.padEnd(7)} ${name.padEnd(14)} ${String(bytes.length).padStart(7)} B  chunk ${String(chunk).padStart(4)}  ratio ${String(f.ratio).padStart(6)}  ` +
            `compressed ${String(f.compressedChunks).padStart(3)}/${String(f.chunks).padEnd(3)}  encode ${String(f.encodeMBps).padStart(5)} MB/s  decode ${String(f.decodeMBps ?? '-').padStart(5)} MB/s\n`,
        );
    }
  }
}

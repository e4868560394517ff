/**
 * The C decoder printed in docs/compression.md section 4, compiled as it
 * stands there, agrees with the reference decoder (src/codec/decode.ts) on
 * the format fixtures, on compressed firmware-like chunks, and on hostile
 * chunks (the same refusal code). So the document a firmware author copies
 * is the format. Skipped when no C compiler (cc) is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CodecError, compressChunk, decompressChunk } from '../../../src/codec/index.js';
import { firmwareLike, randomBytes } from './firmware-like.js';

const hasCc = spawnSync('cc', ['--version']).status === 0;
const DOC = fileURLToPath(new URL('../../../docs/compression.md', import.meta.url));

/** Reads cases `u32le n, u32le m, m bytes` from stdin; prints per case "rc hex-of-output". */
const HARNESS = `
#include <stdio.h>
#include <stdlib.h>
static uint32_t rd32(void) { uint8_t b[4]; if (fread(b, 1, 4, stdin) != 4) exit(0); return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }
int main(void) {
  static uint8_t in[70000], out[70000];
  for (;;) {
    uint32_t n = rd32(), m = rd32();
    if (fread(in, 1, m, stdin) != m) return 2;
    int rc = hlz1_decode(in, m, out, n);
    printf("%d ", rc);
    if (rc == 0) for (uint32_t i = 0; i < n; i++) printf("%02x", out[i]);
    printf("\\n");
  }
}
`;

const CODE_OF_RC = ['ok', 'codec_truncated', 'codec_overrun', 'codec_bad_distance', 'codec_trailing'];

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe.skipIf(!hasCc)('the C decoder of docs/compression.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlz1-c-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles, and agrees with the reference decoder on valid and hostile chunks', () => {
    const block = /```c\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1];
    expect(block, 'no ```c block in docs/compression.md').toBeDefined();
    writeFileSync(join(dir, 'd.c'), block! + HARNESS);
    const cc = spawnSync('cc', ['-std=c99', '-O1', '-Wall', '-Werror', '-o', join(dir, 'd'), join(dir, 'd.c')], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);

    const cases: { data: Uint8Array; n: number }[] = [
      { data: hex('20 90 80'), n: 2 },
      { data: hex('20 c4 00 00'), n: 10 },
      { data: hex('20 90 88 71 00 42 10'), n: 13 },
      { data: hex('18 0c 46 43 31 74 06 30 05 c6 58'), n: 208 },
      { data: hex('20 f0 00'), n: 3 },
      { data: new Uint8Array(0), n: 0 },
      // hostile: bad distance, overrun, huge length code, truncated, trailing byte, non-zero padding
      { data: hex('20 e0 20'), n: 3 },
      { data: hex('c0 00'), n: 2 },
      { data: hex('20 c4 00 00'), n: 5 },
      { data: hex('20 c0 00 00 00 00 00 00'), n: 100 },
      { data: hex('20 90'), n: 2 },
      { data: hex('20 c4 00 00'), n: 11 },
      { data: hex('20 c4 00 00 00'), n: 10 },
      { data: hex('20 c4 00 01'), n: 10 },
    ];
    const img = firmwareLike(32 * 1024, 4);
    for (const chunk of [256, 1024, 4096]) {
      for (let o = 0; o < img.length; o += chunk * 3) {
        const c = compressChunk(img.subarray(o, o + chunk));
        if (c !== undefined) cases.push({ data: c, n: Math.min(chunk, img.length - o) });
      }
    }
    for (let i = 0; i < 40; i++) cases.push({ data: randomBytes(1 + (i * 37) % 300, 100 + i), n: (i * 53) % 400 });

    const input = Buffer.concat(
      cases.flatMap((c) => {
        const h = Buffer.alloc(8);
        h.writeUInt32LE(c.n, 0);
        h.writeUInt32LE(c.data.length, 4);
        return [h, Buffer.from(c.data)];
      }),
    );
    const run = spawnSync(join(dir, 'd'), [], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(cases.length);
    let refused = 0;
    cases.forEach((c, i) => {
      const [rc, out = ''] = lines[i]!.split(' ');
      let want: string;
      try {
        want = `ok ${Buffer.from(decompressChunk(c.data, c.n)).toString('hex')}`;
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        want = `${(e as CodecError).code} `;
        refused++;
      }
      expect(`${CODE_OF_RC[Number(rc)]} ${out}`, `case ${i}`).toBe(want);
    });
    expect(refused).toBeGreaterThan(20);
  });
});

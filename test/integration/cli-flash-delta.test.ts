/**
 * `hilbridge flash` with delta and compression (docs/protocol.md 9, docs/cli.md):
 * the second image reuses what the board's active slot holds, the result line
 * and `done` say bytes on the wire and where the savings came from, and
 * --no-delta / --no-compress turn either off.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { DoneLine, ResultLine } from '../../src/cli/json/flash.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';
import { editCode, firmwareImage } from './delta-images.js';

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

const SIZE = 24 * 1024;

describe('hilbridge flash, delta and compressed', () => {
  it('reports wire bytes against the image, reused and compressed bytes; --no-delta and --no-compress turn them off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-delta-'));
    const v1 = join(dir, 'v1.hxe');
    const v2 = join(dir, 'v2.hxe');
    writeFileSync(v1, firmwareImage(SIZE));
    const v2bytes = firmwareImage(SIZE, 1, (c) => editCode(c, SIZE / 100, 64));
    writeFileSync(v2, v2bytes);
    const link = ['--link', 'emulator:uart@2000000,pair=delta1'];
    await startTargetCli(link, join(dir, 'b.fram'));
    expect((await drive(runCli('flash', v1, ...link, '--confirm'))).code).toBe(0);

    const r = await drive(runCli('flash', v2, ...link, '--json', '--confirm'));
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const done = DoneLine.parse(lines.find((o) => o.event === 'done'));
    const result = ResultLine.parse(lines.at(-1));
    expect(done.savings!.reusedBytes).toBeGreaterThan(0.8 * v2bytes.length);
    expect(done.savings!.codec).toMatch(/^(hlz1|deflate|hlz1\+deflate)$/); // per chunk the smaller of the board's codecs
    expect(result).toMatchObject({ ok: true, bytes: v2bytes.length, reusedBytes: done.savings!.reusedBytes, wireBytes: done.savings!.wireBytes });
    expect(done.savings!.wireBytes).toBeLessThan(0.2 * v2bytes.length);

    writeFileSync(v1, firmwareImage(SIZE, 4)); // unlike the active image
    const plain = await drive(runCli('flash', v1, ...link, '--no-delta', '--no-compress', '--confirm'));
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toMatch(/reused/);

    const human = await drive(runCli('flash', v2, ...link, '--no-compress'));
    expect(human.code).toBe(0);
    expect(human.stdout + human.stderr).toMatch(/bytes on the wire \(\d+\.\d % of the image\)/);
    expect(human.stdout + human.stderr).not.toMatch(/compressed to/);
  });
});

/**
 * Bundles on the virtual board, loaded the way serveTarget drives it (the
 * receive session over the board's sink) or installed locally: the slot's
 * apps, what a failure names, and that every failure leaves the old image.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { buildBundle } from '../../../src/bundle/index.js';
import { ImageKind } from '../../../src/protocol/messages-types.js';
import { formatReport } from '../../../src/cli/report-text.js';
import { FRAM_SIZE, Loading, beginFor, image, load, openBoard, sha } from './helpers.js';

const OLD = image('old_app');

async function withOld() {
  const chip = new Uint8Array(FRAM_SIZE);
  const scheduler = new VirtualTimeScheduler();
  const board = openBoard(chip, {}, scheduler);
  await load(board, OLD);
  await board.confirm(0xff);
  return { chip, board, ld: new Loading(board, { scheduler }) };
}

async function loadBundle(ld: Loading, bytes: Uint8Array): Promise<unknown> {
  try {
    await ld.begin(beginFor(bytes, { imageKind: ImageKind.bundle, fresh: true }));
    for (let o = 0; o < bytes.length; o += 256) await ld.write(o, bytes.subarray(o, Math.min(bytes.length, o + 256)));
    await ld.end();
    return undefined;
  } catch (e) {
    return e;
  }
}

function expectOld(board: ReturnType<typeof openBoard>): void {
  const r = board.report();
  expect(r.slots.find((s) => s.slot === r.active)?.sha256).toBe(sha(OLD));
  expect(board.apps.map((a) => a.appName)).toEqual(['old_app']);
  expect(r.bundle).toBeNull();
}

describe('a bundle on the board', () => {
  it('runs its hxe segments as the slot apps (a values segment runs nothing); the slot header names the bundle; the report shows it', async () => {
    const { chip, board, ld } = await withOld();
    const { bytes } = buildBundle([{ kind: 'hxe', bytes: image('motor') }, { kind: 'values', bytes: new Uint8Array(40).fill(7) }, { kind: 'hxe', bytes: image('logger') }], { name: 'line3', securityCounter: 5 });
    expect(await loadBundle(ld, bytes)).toBeUndefined();
    expect(board.apps.map((a) => [a.appName, a.slot])).toEqual([['logger', 'B'], ['motor', 'B']]);
    const r = board.report();
    expect(r.slots.find((s) => s.slot === 'B')).toMatchObject({ appName: 'line3', state: 'trial', sha256: sha(bytes) });
    expect(r.bundle).toMatchObject({ name: 'line3', securityCounter: 5, apps: ['logger', 'motor'] });
    expect(r.bundle?.segments.map((s) => [s.name, s.kind])).toEqual([['logger', 'hxe'], ['motor', 'hxe'], ['values', 'values']]);
    expect(formatReport(r)).toMatch(/bundle "line3", security counter 5, 3 segments, runs logger, motor\n {4}segment logger \(hxe\) \d+ B sha256 [0-9a-f]{64}/);
    board.powerOff();
    const again = openBoard(chip);
    expect(again.apps.map((a) => a.appName)).toEqual(['logger', 'motor']);
    expect(again.report().bundle).toMatchObject({ name: 'line3' });
    await again.factoryReset();
    expect(again.apps).toEqual([]);
    expect(again.report().bundle).toBeNull();
  });

  it('two segments with one single-instance app name: EEXIST at END, nothing commits, the old image runs', async () => {
    const { board, ld } = await withOld();
    const { bytes } = buildBundle([{ kind: 'hxe', name: 'one', bytes: image('same') }, { kind: 'hxe', name: 'two', bytes: image('same', { codeBytes: 300 }) }]);
    expect(await loadBundle(ld, bytes)).toMatchObject({ code: 'EEXIST', message: expect.stringContaining('app "same" is already running') as unknown });
    expectOld(board);
  });

  it("a bundle-level check (a padding byte) is bad_bundle naming the bundle and the library's code", async () => {
    const { board, ld } = await withOld();
    const { bytes, info } = buildBundle([{ kind: 'hxe', bytes: image('motor', { codeBytes: 100 }) }, { kind: 'hxe', bytes: image('logger') }], { name: 'padded' });
    const first = info.manifest.segments[0]!;
    const pad = first.offset + first.size; // the first segment ends off a 64-byte boundary: padding follows
    expect(pad % 64).not.toBe(0);
    bytes[pad] = 1;
    const e = await loadBundle(ld, bytes);
    expect(e).toMatchObject({ code: 'bad_bundle', message: expect.stringMatching(/^bundle "padded": padding_not_zero at bundle offset 0x[0-9a-f]+: /) as unknown });
    expectOld(board);
    expect(board.report().lastError?.code).toBe('bad_bundle');
  });

  it('installs locally (an SD manifest) by its magic, through the same checks', async () => {
    const { board } = await withOld();
    const { bytes } = buildBundle([{ kind: 'hxe', bytes: image('motor') }], { name: 'sd' });
    const c = board.install(bytes, 'sd_manifest');
    expect(c.apps.map((a) => a.appName)).toEqual(['motor']);
    expect(board.report().bundle).toMatchObject({ name: 'sd', apps: ['motor'] });
  });
});

/**
 * The boot order on the virtual board (src/board/provision.ts): cards written
 * with the SD library (planCard: a directory, and a FAT image), a host preload
 * directory, the configured order, an entry with a wrong hash skipped for its
 * fallback, FRAM value defaults, and the fallback after repeated unconfirmed
 * boots through the FRAM's trial-boot machinery.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { numberToF16 } from '../../../src/hxe/f16.js';
import { hostPreloadSource } from '../../../src/board/provision-host.js';
import { sdCardSource } from '../../../src/board/provision-sd.js';
import type { BootSources } from '../../../src/board/provision.js';
import type { BoardEvent } from '../../../src/board/events.js';
import { type CardEntry, manifestText, planCard, writeFatImage } from '../../../src/sd/index.js';
import { buildBundle } from '../../../src/bundle/index.js';
import { FRAM_SIZE, image, openBoard, persistImage, record, sha } from './helpers.js';

const A = persistImage('alpha', 0x0301, 1.5);
const B = image('bravo');
const C = image('charlie', { codeBytes: 512 });

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hb-prov-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0));

/** A directory card: the plan's files, the manifest rewritten by `edit` (values, fallbacks, a wrong hash). */
function cardDir(images: { source: string; bytes: Uint8Array }[], edit: (e: CardEntry[]) => CardEntry[] = (e) => e, opts: Parameters<typeof planCard>[1] = {}): string {
  const plan = planCard(images, opts);
  const root = tmp();
  const entries = edit([...plan.entries]);
  for (const f of plan.files) {
    const p = join(root, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.path === 'hilbridge.json' ? manifestText(entries) : f.bytes);
  }
  return root;
}

function preloadDir(files: Record<string, Uint8Array>): string {
  const d = tmp();
  for (const [n, b] of Object.entries(files)) writeFileSync(join(d, n), b);
  return d;
}

type BootEvent = Extract<BoardEvent, { type: 'provisioning.source' | 'provisioning.entry' }>;
const boot = (e: BoardEvent[]): BootEvent[] => e.filter((x): x is BootEvent => x.type === 'provisioning.source' || x.type === 'provisioning.entry');
const activeSha = (b: ReturnType<typeof openBoard>): string | null => b.report().slots.find((s) => s.state === 'active' || s.state === 'trial')?.sha256 ?? null;

async function powerOn(chip: Uint8Array, sources: () => Promise<BootSources>, over: Parameters<typeof openBoard>[1] = {}): Promise<{ board: ReturnType<typeof openBoard>; events: BoardEvent[]; result: Awaited<ReturnType<ReturnType<typeof openBoard>['provision']>> }> {
  const board = openBoard(chip, over);
  const events = record(board);
  const src = await sources();
  try {
    const result = await board.provision(src);
    return { board, events, result };
  } finally {
    // the scan is done with them: a FAT card's file handle is closed, never left to the GC (DEP0137)
    await Promise.all(Object.values(src).map((s) => s.close()));
  }
}

describe('boot order on the virtual board', () => {
  it('a card written by the SD library (directory and FAT image) boots the node its highest-priority image, origin sd with the path', async () => {
    const plan = planCard([{ source: 'a.hxe', bytes: A }, { source: 'b.hxe', bytes: B }], { priorities: [1, 0] });
    const fat = join(tmp(), 'card.img');
    writeFileSync(fat, writeFatImage(plan.files, 256 * 1024));
    for (const card of [cardDir([{ source: 'a.hxe', bytes: A }, { source: 'b.hxe', bytes: B }], (e) => e, { priorities: [1, 0] }), fat]) {
      const chip = new Uint8Array(FRAM_SIZE);
      const { board, events, result } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
      expect(result).toMatchObject({ source: 'sd', action: 'loaded' });
      expect(board.apps.map((a) => a.appName)).toEqual(['bravo']); // priority 0 first
      expect(activeSha(board)).toBe(sha(B));
      expect(board.origin()).toEqual({ source: 'sd_manifest', path: 'images/bravo.hxe' });
      const st = await board.status();
      expect(st.origin).toEqual({ source: 'sd_manifest', path: 'images/bravo.hxe' });
      expect(boot(events).map((e) => `${e.type}:${e.action}`)).toEqual([
        'provisioning.source:unavailable', // no host preload given
        'provisioning.source:scan',
        'provisioning.entry:loading',
        'provisioning.entry:loaded',
        'provisioning.source:chosen',
      ]);
      // the loader's own events say where the image came from
      expect(events.find((e) => e.type === 'provisioning.complete')).toMatchObject({ source: 'sd_manifest', appName: 'bravo' });
      board.close();
      // next power-on: the same image is active, nothing is written again
      const again = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
      expect(again.result).toMatchObject({ source: 'sd', action: 'active' });
      expect(boot(again.events).find((e) => e.type === 'provisioning.entry')).toMatchObject({ action: 'active', path: 'images/bravo.hxe' });
      expect(again.events.some((e) => e.type === 'provisioning.started')).toBe(false);
      again.board.close();
    }
  });

  it('a bundle entry for the node runs all its apps in bundle order; the entries for other nodes are not taken', async () => {
    const { bytes: line } = buildBundle([{ kind: 'hxe', bytes: image('motor') }, { kind: 'hxe', bytes: image('logger') }], { name: 'line3', securityCounter: 2 });
    const card = cardDir([{ source: 'line3.hxb', bytes: line }, { source: 'a.hxe', bytes: A }], (e) => [{ ...e[0]!, nodes: [7] }, { ...e[1]!, nodes: [3], priority: 0 }]);
    const chip = new Uint8Array(FRAM_SIZE);
    const { board, result } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }), { nodeId: 7 });
    expect(result).toMatchObject({ source: 'sd', action: 'loaded', entry: { appName: 'line3', kind: 'bundle' } });
    expect(board.apps.map((a) => a.appName)).toEqual(['logger', 'motor']); // bundle order (the builder orders segments by name)
    expect((await board.status()).bundle).toMatchObject({ name: 'line3', securityCounter: 2 });
    expect(board.fram.trust()?.securityCounter).toBe(2); // the same commit path as a transfer: the counter is raised
    board.close();
  });

  it('prefers host preload over SD over CAN (the default order), and follows a stored order', async () => {
    const card = cardDir([{ source: 'a.hxe', bytes: A }]);
    const host = preloadDir({ 'c.hxe': C });
    const chip = new Uint8Array(FRAM_SIZE);
    const both = async (): Promise<BootSources> => ({ host: await hostPreloadSource(host), sd: await sdCardSource(card) });
    const first = await powerOn(chip, both);
    expect(first.result).toMatchObject({ source: 'host', action: 'loaded' });
    expect(first.board.apps.map((a) => a.appName)).toEqual(['charlie']);
    expect(first.board.origin()).toEqual({ source: 'host_file', path: 'c.hxe' });
    expect(boot(first.events).filter((e) => e.type === 'provisioning.source' && e.source === 'sd')).toEqual([]); // never scanned
    await first.board.confirm(0xff);
    await first.board.setBootConfig({ order: ['sd', 'host', 'can'], maxBootFailures: 3, images: [] });
    first.board.close();
    const second = await powerOn(chip, both);
    expect(second.result).toMatchObject({ source: 'sd', action: 'loaded' });
    expect(second.board.apps.map((a) => a.appName)).toEqual(['alpha']);
    await second.board.confirm(0xff);
    // can first: an image from a master is kept over the card
    await second.board.setBootConfig({ order: ['can', 'sd'], maxBootFailures: 3, images: [] });
    second.board.install(B, 'can_master', { confirm: true });
    second.board.close();
    const third = await powerOn(chip, both);
    expect(third.result).toMatchObject({ source: 'can', action: 'kept' });
    expect(third.board.apps.map((a) => a.appName)).toEqual(['bravo']);
    third.board.close();
  });

  it('an entry with a wrong hash is skipped with an event naming it and its fallback is loaded, with its FRAM value defaults', async () => {
    const card = cardDir([{ source: 'c.hxe', bytes: C }, { source: 'a.hxe', bytes: A }], (e) => [
      { ...e[0]!, sha256: sha(B), fallback: e[1]!.name },
      { ...e[1]!, values: [{ key: 0x0301, raw: numberToF16(4.5) }] },
    ]);
    const chip = new Uint8Array(FRAM_SIZE);
    const { board, events, result } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
    expect(result).toMatchObject({ source: 'sd', action: 'loaded', entry: { appName: 'alpha' } });
    const skipped = boot(events).find((e) => e.type === 'provisioning.entry' && e.action === 'skipped');
    expect(skipped).toMatchObject({ path: 'images/charlie.hxe', code: 'sd_hash_mismatch', fallback: 'images/alpha.hxe' });
    expect(skipped?.type === 'provisioning.entry' && skipped.detail).toMatch(/images\/charlie\.hxe.*SHA-256/);
    expect(boot(events).some((e) => e.type === 'provisioning.entry' && e.action === 'defaults' && /0x0301=4\.5/.test(e.detail))).toBe(true);
    // the default reached the app: restored from FRAM, not the image's init value 1.5
    expect(board.apps[0]?.values.find((v) => v.persistKey === 0x0301)).toMatchObject({ value: 4.5, origin: 'persisted' });
    board.close();
  });

  it("a failed entry's fallback for other nodes is not loaded: the board goes on with this node's next entry", async () => {
    const card = cardDir([{ source: 'c.hxe', bytes: C }, { source: 'b.hxe', bytes: B }, { source: 'a.hxe', bytes: A }], (e) => [
      { ...e[0]!, sha256: sha(A), fallback: e[1]!.name }, // every node; its file does not hash right
      { ...e[1]!, nodes: [9] }, // bravo: node 9's image
      e[2]!,
    ]);
    const chip = new Uint8Array(FRAM_SIZE);
    const { board, events, result } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }), { nodeId: 7 });
    expect(boot(events).find((e) => e.type === 'provisioning.entry' && e.action === 'fallback')).toMatchObject({ code: 'bad_fallback', path: 'images/charlie.hxe' });
    expect(boot(events).some((e) => e.type === 'provisioning.entry' && e.path === 'images/bravo.hxe')).toBe(false);
    expect(result).toMatchObject({ source: 'sd', action: 'loaded', entry: { appName: 'alpha' } });
    expect(board.apps.map((a) => a.appName)).toEqual(['alpha']);
    board.close();
  });

  it('an image the loader refuses leaves no FRAM value defaults behind', async () => {
    const bad = A.slice();
    bad[bad.length - 1] = (bad[bad.length - 1]! ^ 0xff) & 0xff; // the listed SHA-256 matches, the HXE checks do not
    const card = cardDir([{ source: 'a.hxe', bytes: A }], (e) => [{ ...e[0]!, sha256: sha(bad), values: [{ key: 0x0301, raw: numberToF16(4.5) }] }]);
    writeFileSync(join(card, 'images', 'alpha.hxe'), bad);
    const chip = new Uint8Array(FRAM_SIZE);
    const { board, events, result } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
    expect(boot(events).find((e) => e.type === 'provisioning.entry' && e.action === 'skipped')).toMatchObject({ path: 'images/alpha.hxe' });
    expect(result).toMatchObject({ source: 'can', action: 'wait' });
    expect(boot(events).some((e) => e.type === 'provisioning.entry' && e.action === 'defaults')).toBe(false);
    expect(board.fram.readValue(0x0301).status).not.toBe('found');
    board.close();
  });

  it('a stored value is never overwritten by a manifest default', async () => {
    const card = cardDir([{ source: 'a.hxe', bytes: A }], (e) => [{ ...e[0]!, values: [{ key: 0x0301, raw: numberToF16(4.5) }] }]);
    const chip = new Uint8Array(FRAM_SIZE);
    const pre = openBoard(chip);
    pre.fram.saveValue(0x0301, Uint8Array.of(0x42, 0x00)); // 3.0
    pre.close();
    const { board } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
    expect(board.apps[0]?.values.find((v) => v.persistKey === 0x0301)).toMatchObject({ value: 3 });
    board.close();
  });

  it('after max boot failures unconfirmed boots the board falls back to the known-good image, records the failure and loads the fallback entry', async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const good = openBoard(chip);
    good.install(C, 'uart', { confirm: true }); // the known-good image
    await good.setBootConfig({ order: ['sd', 'can'], maxBootFailures: 2, images: [] });
    good.close();
    const card = cardDir([{ source: 'a.hxe', bytes: A }, { source: 'b.hxe', bytes: B }], (e) => [{ ...e[0]!, fallback: e[1]!.name }, e[1]!]);
    const sources = async (): Promise<BootSources> => ({ sd: await sdCardSource(card) });
    const first = await powerOn(chip, sources);
    expect(first.result).toMatchObject({ action: 'loaded', entry: { appName: 'alpha' } });
    first.board.powerOff(); // never confirmed: a boot failure
    for (let i = 1; i <= 2; i++) {
      const b = await powerOn(chip, sources);
      expect(b.board.boot).toMatchObject({ kind: 'booted', trial: true, bootAttempt: i, maxAttempts: 2 });
      expect(b.result.action).toBe('active');
      b.board.powerOff();
    }
    const fell = await powerOn(chip, sources);
    expect(fell.board.boot.kind).toBe('rolled_back');
    expect(fell.events.find((e) => e.type === 'provisioning.rollback')).toMatchObject({ reason: 'trial_exhausted' });
    expect(boot(fell.events).find((e) => e.type === 'provisioning.entry')).toMatchObject({ path: 'images/alpha.hxe', action: 'skipped', code: 'failed_before', fallback: 'images/bravo.hxe' });
    expect(fell.result).toMatchObject({ action: 'loaded', entry: { appName: 'bravo' } });
    expect((await fell.board.bootConfig()).failed).toEqual([sha(A).slice(0, 16)]);
    await fell.board.confirm(0xff);
    fell.board.close();
    // later boots: bravo stays, alpha is not tried again
    const later = await powerOn(chip, sources);
    expect(later.result).toMatchObject({ action: 'active', entry: { appName: 'bravo' } });
    expect(later.events.some((e) => e.type === 'provisioning.started')).toBe(false);
    later.board.close();
  });

  it('a chain of three failing entries does not cycle: with the failed list full the card is stopped until bootcfg set', async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const good = openBoard(chip);
    good.install(C, 'uart', { confirm: true });
    await good.setBootConfig({ order: ['sd', 'can'], maxBootFailures: 1, images: [] });
    good.close();
    const [X, Y, Z] = [image('xray'), image('yankee'), image('zulu')];
    const card = cardDir([{ source: 'x.hxe', bytes: X }, { source: 'y.hxe', bytes: Y }, { source: 'z.hxe', bytes: Z }], (e) => [{ ...e[0]!, fallback: e[1]!.name }, { ...e[1]!, fallback: e[2]!.name }, e[2]!]);
    const loaded: string[] = [];
    let last: Awaited<ReturnType<typeof powerOn>> | undefined;
    for (let i = 0; i < 12; i++) {
      last = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
      if (last.result.action === 'loaded') loaded.push(last.result.entry?.appName ?? '?');
      if (i < 11) last.board.powerOff(); // never confirmed
    }
    expect(loaded).toEqual(['xray', 'yankee', 'zulu']);
    const b = last!.board;
    expect(b.apps.map((a) => a.appName)).toEqual(['charlie']); // the known-good image runs
    expect(boot(last!.events).find((e) => e.type === 'provisioning.source' && e.source === 'sd')).toMatchObject({ action: 'none', detail: expect.stringMatching(/^stopped: .*until the boot configuration is set anew/) as unknown });
    expect((await b.bootConfig()).failed).toEqual([sha(Y).slice(0, 16), sha(X).slice(0, 16)]);
    // bootcfg set clears the list and the stop: the card is scanned again
    await b.setBootConfig({ order: ['sd', 'can'], maxBootFailures: 1, images: [] });
    b.close();
    const again = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
    expect(again.result).toMatchObject({ action: 'loaded', entry: { appName: 'xray' } });
    again.board.close();
  });

  it("FRAM damage to the card's image (active_corrupt) is not a failed image: the card's good copy is loaded again", async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const good = openBoard(chip);
    good.install(C, 'uart', { confirm: true });
    await good.setBootConfig({ order: ['sd', 'can'], maxBootFailures: 2, images: [] });
    good.close();
    const card = cardDir([{ source: 'a.hxe', bytes: A }]);
    const sources = async (): Promise<BootSources> => ({ sd: await sdCardSource(card) });
    const first = await powerOn(chip, sources);
    expect(first.result).toMatchObject({ action: 'loaded', entry: { appName: 'alpha' } });
    await first.board.confirm(0xff);
    const slot = first.board.fram.map().slots.find((x) => x.sha256 === sha(A))!.slot;
    const off = first.board.fram.layout.slots[slot === 'A' ? 0 : 1].dataOffset + 16;
    first.board.close();
    chip[off] = (chip[off]! ^ 0xff) & 0xff; // the FRAM copy is damaged; the card's is not
    const second = await powerOn(chip, sources);
    expect(second.events.find((e) => e.type === 'provisioning.rollback')).toMatchObject({ reason: 'active_corrupt' });
    expect(second.result).toMatchObject({ action: 'loaded', entry: { appName: 'alpha' } });
    expect((await second.board.bootConfig()).failed).toEqual([]);
    second.board.close();
  });

  it('a card whose manifest is refused is reported and the board still boots what it holds', async () => {
    const card = tmp();
    writeFileSync(join(card, 'hilbridge.json'), '{"version":1,"images":[{"bogus":1}]}');
    const chip = new Uint8Array(FRAM_SIZE);
    const { board, events, result } = await powerOn(chip, async () => ({ sd: await sdCardSource(card) }));
    expect(result).toMatchObject({ source: 'can', action: 'wait' });
    expect(boot(events).find((e) => e.type === 'provisioning.source' && e.source === 'sd')).toMatchObject({ action: 'failed' });
    expect(board.apps).toEqual([]);
    board.close();
  });
});

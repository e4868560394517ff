/**
 * HIL on vcan0: a board provisioned offline from an SD card, then online
 * from a CAN master. `hilbridge sd write` lays out a FAT card image with an
 * image for node 5; `hilbridge target --can vcan0 --node 5 --sd <card>` boots
 * from it (its boot-order events, then status: the image runs, origin
 * sd_manifest with the card path); after `hilbridge confirm`, `hilbridge
 * flash` of a newer image from the CAN master replaces it (status: the new
 * image, origin can_master). A restart of the target with the boot order
 * `can,sd` (`hilbridge bootcfg set`) keeps the master's image over the card.
 * Processes through the kernel's SocketCAN stack, modelled on cli-vcan.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packImage } from './images.js';
import type { Image } from './images.js';
import { describeProc, killAll, resultOf, runCli, startTarget, statusOf } from './procs.js';

const IFACE = 'vcan0';
const vcan = existsSync(`/sys/class/net/${IFACE}`);
if (!vcan) process.stderr.write(`HIL: ${IFACE} does not exist: the SD card scenario is skipped (run it under hil/with-vcan, e.g. npm run test:hil)\n`);

let dir = '';
const img: Record<'card' | 'newer', Image> = {} as Record<'card' | 'newer', Image>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hil-vcan-sd-'));
  img.card = await packImage(dir, 'sd_app', 16_384, 0, 31);
  img.newer = await packImage(dir, 'sd_app_v2', 20_480, 1_000, 32);
});
afterEach(async () => {
  await killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const can = (node: number): string[] => ['--can', IFACE, '--node', String(node)];

describe.skipIf(!vcan)(`hilbridge target --sd on ${IFACE}, then a CAN master`, () => {
  it('node 5 boots from the card (status: the image, origin sd), then flash of a newer image from the CAN master replaces it', async () => {
    const card = join(dir, 'card.img');
    const w = await runCli(['sd', 'write', card, img.card.path, '--nodes', '5', '--json']);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    const fram = join(dir, `n5-${Date.now()}.fram`);
    const { proc } = await startTarget([...can(5), '--fram', fram, '--sd', card]);
    // the boot order ran before `ready`: no host preload, the card scanned, its entry loaded and chosen
    const boot = proc.json().filter((o) => o.event === 'provisioning.source' || o.event === 'provisioning.entry').map((o) => `${String(o.event)}:${String(o.source)}:${String(o.action)}`);
    expect(boot, describeProc(proc)).toEqual([
      'provisioning.source:host:unavailable',
      'provisioning.source:sd:scan',
      'provisioning.entry:sd:loading',
      'provisioning.entry:sd:loaded',
      'provisioning.source:sd:chosen',
    ]);
    expect(await statusOf(can(5))).toMatchObject({
      trial: true,
      active: { appName: 'sd_app', size: img.card.size, sha256: img.card.sha256 },
      origin: { source: 'sd_manifest', path: 'images/sd_app.hxe' },
    });
    expect((await runCli(['confirm', ...can(5)])).code).toBe(0);

    const f = await runCli(['flash', img.newer.path, ...can(5), '--json']);
    expect(f.code, f.stdout + f.stderr + `\n--- board ${describeProc(proc)}`).toBe(0);
    expect(resultOf(f)).toMatchObject({ ok: true, bytes: img.newer.size });
    expect(await statusOf(can(5))).toMatchObject({ active: { appName: 'sd_app_v2', sha256: img.newer.sha256 }, origin: { source: 'can_master', path: null } });
    expect((await runCli(['confirm', ...can(5)])).code).toBe(0);

    // the master's image stays over the card at the next power-on once the boot order puts can first
    const set = await runCli(['bootcfg', 'set', ...can(5), '--order', 'can,sd', '--json']);
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(set.json.find((o) => o.event === 'bootcfg')).toMatchObject({ stored: true, order: ['can', 'sd'] });
    await proc.kill9(); // a power cut
    const again = await startTarget([...can(5), '--fram', fram, '--sd', card]);
    expect(again.proc.json().find((o) => o.event === 'provisioning.source')).toMatchObject({ source: 'can', action: 'kept' });
    expect(await statusOf(can(5))).toMatchObject({ trial: false, active: { sha256: img.newer.sha256 }, origin: { source: 'can_master' } });
  });
});

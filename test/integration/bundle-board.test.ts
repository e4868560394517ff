/**
 * The virtual board taking bundles over the emulated UART, in virtual time,
 * driven through the transfer engine directly (so the host's own checks
 * cannot stop a bad bundle first): a bundle whose second segment fails the
 * board's checks is refused naming the segment and leaves the board on its
 * old image; a board without the bundle capability refuses BEGIN; a good
 * bundle's apps all run, and survive a reboot and a rollback to them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.js';
import { KNOWN_CAPABILITIES } from '../../src/hxe/constants.js';
import { ImageKind } from '../../src/protocol/messages-types.js';
import { image, persistImage, sha } from '../unit/board/helpers.js';
import { BoardRig, type BoardRigOptions } from './board-rig.js';

const OLD = image('old_app', { codeBytes: 2048 });

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** A two-app bundle (alpha, beta) and where beta's segment starts. */
function twoApps(beta = image('beta', { codeBytes: 3000 })): { bytes: Uint8Array; betaOffset: number; betaSize: number } {
  const { bytes, info } = buildBundle([{ kind: 'hxe', bytes: image('alpha', { codeBytes: 3000 }) }, { kind: 'hxe', bytes: beta }], { name: 'pair', securityCounter: 2 });
  const seg = info.manifest.segments.find((s) => s.name === 'beta')!;
  return { bytes, betaOffset: seg.offset, betaSize: seg.size };
}

/** A rig whose board runs OLD, confirmed. */
async function withOld(opts: BoardRigOptions = {}): Promise<BoardRig> {
  rig = new BoardRig(opts);
  await rig.provision(OLD);
  await rig.confirm();
  return rig;
}

async function expectOldImageStays(r: BoardRig): Promise<void> {
  const st = await r.status();
  expect(st.slots.find((s) => s.state === 'active')).toMatchObject({ app: 'old_app', sha256: sha(OLD) });
  expect(st.slots.some((s) => s.state === 'trial')).toBe(false);
  expect(st.bundle).toBeUndefined();
  expect(r.board.apps.map((a) => a.appName)).toEqual(['old_app']);
  await r.reboot();
  expect(r.board.apps.map((a) => a.appName)).toEqual(['old_app']);
  expect(r.board.report()).toMatchObject({ trial: false, bundle: null });
}

describe('a bundle on the board', () => {
  const cases: { what: string; tamper: (b: Uint8Array, betaOffset: number, betaSize: number) => void; code: string; check: RegExp }[] = [
    { what: 'a changed code byte (segment digest)', tamper: (b, o, n) => void (b[o + n - 10]! ^= 0x01), code: 'bad_bundle', check: /segment_sha256_mismatch/ },
    { what: 'a broken HXE magic (the HXE check)', tamper: (b, o) => void (b[o]! ^= 0xff), code: 'bad_magic', check: /bad_magic/ },
  ];
  for (const c of cases) {
    it(`whose second segment fails verification (${c.what}) is refused naming the segment; the board stays on its old image`, async () => {
      const r = await withOld();
      const { bytes, betaOffset, betaSize } = twoApps();
      c.tamper(bytes, betaOffset, betaSize);
      const err = await r.provision(bytes, { imageKind: ImageKind.bundle }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
      expect(err?.code).toBe(c.code);
      expect(err?.message).toMatch(/segment 2 'beta' \(hxe\)/);
      expect(err?.message).toMatch(c.check);
      expect(r.board.report().lastError).toMatchObject({ code: c.code, message: expect.stringMatching(/^segment 2 'beta' \(hxe\): /) as unknown });
      await expectOldImageStays(r);
    });
  }

  it("whose second segment needs more RAM than the board allows is refused as soon as that segment's header is in, naming it", async () => {
    const r = await withOld();
    const { bytes, betaOffset } = twoApps(image('beta', { codeBytes: 3000, bssSize: 0x10000 }));
    const err = await r.provision(bytes, { imageKind: ImageKind.bundle }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'over_budget', message: expect.stringMatching(/segment 2 'beta' \(hxe\) does not fit the target: RAM/) as unknown });
    const verified = r.events.flatMap((e) => (e.type === 'provisioning.progress' ? [e.verifiedBytes] : []));
    // refused while the transfer ran, with the feed that brought beta's header in (not at END)
    expect(Math.max(...verified)).toBeLessThan(betaOffset + 96);
    await expectOldImageStays(r);
  });

  it('with no hxe segment is refused when its manifest arrives (a slot that runs nothing); the board stays on its old image', async () => {
    const r = await withOld();
    const { bytes } = buildBundle([{ kind: 'data', bytes: new Uint8Array(5000).fill(0x42) }], { name: 'dataonly' });
    const err = await r.provision(bytes, { imageKind: ImageKind.bundle }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'bad_bundle', message: expect.stringMatching(/bundle "dataonly" has no hxe segment/) as unknown });
    await expectOldImageStays(r);
  });

  it('whose two apps persist a value under one key is refused before commit, naming both; the board stays on its old image', async () => {
    const r = await withOld();
    const { bytes } = buildBundle([{ kind: 'hxe', bytes: persistImage('one', 5, 1) }, { kind: 'hxe', bytes: persistImage('two', 5, 2) }], { name: 'clash' });
    const err = await r.provision(bytes, { imageKind: ImageKind.bundle }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'bad_bundle', message: expect.stringMatching(/segment 2 'two' \(hxe\) and segment 1 'one' \(hxe\) .* key 0x0005/) as unknown });
    await expectOldImageStays(r);
  });

  it('a board without the bundle capability refuses BEGIN of a bundle and keeps its image', async () => {
    const r = await withOld({ board: { capabilities: KNOWN_CAPABILITIES } });
    const err = await r.provision(twoApps().bytes, { imageKind: ImageKind.bundle }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'bundle_unsupported', message: expect.stringMatching(/does not take bundles \(capabilities 0x0000001f/) as unknown });
    await expectOldImageStays(r);
  });

  it('a good bundle runs every hxe segment as an app, after a reboot too, and a rollback brings the old image back alone', async () => {
    const r = await withOld();
    const { bytes } = twoApps();
    await r.provision(bytes, { imageKind: ImageKind.bundle });
    const running = (): (string | null)[] => r.board.apps.map((a) => a.appName);
    expect(running()).toEqual(['alpha', 'beta']);
    expect(new Set(r.board.apps.map((a) => a.pid)).size).toBe(2);
    let st = await r.status();
    expect(st.slots.find((s) => s.state === 'trial')).toMatchObject({ app: 'pair', sha256: sha(bytes) });
    expect(st.bundle).toMatchObject({ name: 'pair', securityCounter: 2, apps: ['alpha', 'beta'], segments: [{ name: 'alpha', kind: 'hxe' }, { name: 'beta', kind: 'hxe' }] });
    await r.reboot();
    expect(running()).toEqual(['alpha', 'beta']);
    expect(r.board.report().bundle).toMatchObject({ name: 'pair' });
    await r.clock.until(r.board.rollback(0xff));
    expect(running()).toEqual(['old_app']);
    st = await r.status();
    expect(st.bundle).toBeUndefined();
  });
});

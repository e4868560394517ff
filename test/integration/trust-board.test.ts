/**
 * The board's image policy over the wire (issue 13), through the transfer
 * engine directly (so the host's own pre-checks cannot stop an image first),
 * in virtual time: a trust store provisioned with TRUST_ADD; under `signed`
 * an HXE image is refused at BEGIN, a tampered or foreign-signed bundle at
 * the end; under any policy a bundle below the security counter or for
 * another board class is refused as soon as its manifest is in; each time
 * the old image stays active. A committed bundle raises the counter; factory
 * reset keeps the store; a second TRUST_ADD is refused with auth_required.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle, type SigningKey } from '../../src/bundle/index.js';
import { factoryReset, trustAdd, trustList } from '../../src/protocol/engine/index.js';
import { ImageKind, LoaderCapability, type TrustInfoMsg } from '../../src/protocol/messages-types.js';
import { otherKey, testKey } from '../unit/bundle/helpers.js';
import { image, sha } from '../unit/board/helpers.js';
import { BoardRig } from './board-rig.js';

const OLD = image('old_app', { codeBytes: 2048 });
const NEW = image('new_app', { codeBytes: 1024 });

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

interface BundleOpts {
  readonly counter?: number;
  readonly signer?: SigningKey | null;
  readonly boardClass?: string;
  readonly vendor?: string;
  readonly name?: string;
}

function bundle(o: BundleOpts = {}): Uint8Array {
  const signer = o.signer === undefined ? testKey : o.signer;
  return buildBundle([{ kind: 'hxe', bytes: image(o.name ?? 'app_b', { codeBytes: 3000 }) }], {
    name: o.name ?? 'app_b',
    vendor: o.vendor ?? 'acme',
    boardClass: o.boardClass ?? 'hsx-a',
    securityCounter: o.counter ?? 1,
    ...(signer === null ? {} : { signer }),
  }).bytes;
}

/** A rig whose board runs OLD, confirmed, with `trust add` done as given (policy signed unless open). */
async function provisioned(opts: { signed?: boolean; boardClass?: string; vendor?: string } = {}): Promise<BoardRig> {
  const r = (rig = new BoardRig({ board: { nodeId: 5 }, signer: testKey })); // BEGIN is an authenticated command under signed
  await r.provision(OLD);
  await r.confirm();
  const detail = await r.clock.until(trustAdd(r.host, { requireSigned: opts.signed ?? true, publicKey: testKey.raw, vendor: opts.vendor ?? 'acme', boardClass: opts.boardClass ?? 'hsx-a' }, { scheduler: r.clock.scheduler }));
  expect(detail).toMatch(new RegExp(`^key ${testKey.keyId} added; image policy ${opts.signed === false ? 'open' : 'signed'}`));
  return r;
}

function list(r: BoardRig): Promise<TrustInfoMsg> {
  return r.clock.until(trustList(r.host, { scheduler: r.clock.scheduler }));
}

async function refusal(r: BoardRig, bytes: Uint8Array, kind: ImageKind = ImageKind.bundle): Promise<{ code: string; message: string }> {
  const err = await r.provision(bytes, { imageKind: kind }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
  expect(err, 'the board took an image it must refuse').toBeDefined();
  return err!;
}

/** The old image is still the active one, confirmed, and stays after a power cycle. */
async function expectOldImageStays(r: BoardRig, active = OLD, app = 'old_app'): Promise<void> {
  const st = await r.status();
  expect(st.slots.find((s) => s.state === 'active')).toMatchObject({ app, sha256: sha(active) });
  expect(st.slots.some((s) => s.state === 'trial')).toBe(false);
  await r.reboot();
  expect(r.board.report()).toMatchObject({ trial: false });
  expect(r.board.apps.map((a) => a.appName)).toEqual([app]);
}

/** Highest verified prefix the board reported while loading image `sha256` (how far it got before refusing). */
function verifiedUpTo(r: BoardRig, sha256: string): number {
  const from = r.events.findLastIndex((e) => e.type === 'provisioning.started' && e.sha256 === sha256);
  expect(from).toBeGreaterThanOrEqual(0);
  return Math.max(0, ...r.events.slice(from).flatMap((e) => (e.type === 'provisioning.progress' ? [e.verifiedBytes] : [])));
}

describe('the trust store', () => {
  it('TRUST_LIST shows what TRUST_ADD wrote; INFO bit 30 says the policy is signed; the HXE image running reports it no longer passes', async () => {
    const r = await provisioned();
    const t = await list(r);
    expect(t).toMatchObject({ policy: 'signed', securityCounter: 0, vendor: 'acme', boardClass: 'hsx-a', keyIds: [testKey.keyId] });
    expect(t.boardId).toMatch(/^[0-9a-f]{32}$/);
    expect(t.note).toBe('[image_unsigned] board 5 requires signed images; this image is unsigned (an HXE image carries no signature: make it a signed bundle with hilbridge sign --key <key>)');
    const info = await r.connect();
    expect(info.info.capabilities & LoaderCapability.signedOnly).toBe(LoaderCapability.signedOnly);
    // at boot too: the image still runs (no brick), and the boot says why it would be refused
    await r.reboot();
    expect(r.board.apps.map((a) => a.appName)).toEqual(['old_app']);
    expect(r.board.boot.trustViolation).toMatch(/^\[image_unsigned\] board 5 requires signed images/);
  });

  it('a second TRUST_ADD is refused with auth_required and changes nothing', async () => {
    const r = await provisioned({ signed: false });
    const before = await list(r);
    const err = await r.clock.until(trustAdd(r.host, { requireSigned: true, publicKey: otherKey.raw, vendor: '', boardClass: '' }, { scheduler: r.clock.scheduler })).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe('auth_required');
    expect(err?.message).toContain(`board 5 requires an authenticated TRUST_ADD: pass --key <file> or set HILBRIDGE_SIGNING_KEY (a key of its trust store: ${testKey.keyId})`);
    expect(await list(r)).toEqual(before);
  });

  it('factory reset keeps the keys, the policy and the security counter', async () => {
    const r = await provisioned();
    await r.provision(bundle({ counter: 4 }), { imageKind: ImageKind.bundle });
    const before = await list(r);
    expect(before.securityCounter).toBe(4);
    await r.clock.until(factoryReset(r.host, { scheduler: r.clock.scheduler, signer: testKey }));
    expect((await r.status()).slots.every((s) => s.state === 'empty')).toBe(true);
    const after = await list(r);
    expect(after).toEqual({ ...before, note: '' });
    await r.reboot();
    expect(await list(r)).toEqual(after);
  });
});

describe('under the signed policy', () => {
  it('an HXE image is refused at BEGIN, naming the board; nothing is written and the old image stays active', async () => {
    const r = await provisioned();
    const err = await refusal(r, NEW, ImageKind.hxe);
    expect(err.code).toBe('image_unsigned');
    expect(err.message).toContain('board 5 requires signed images; this image is unsigned');
    expect(r.events.some((e) => e.type === 'provisioning.started' && e.sha256 === sha(NEW))).toBe(false);
    expect(r.board.fram.staging()).toBeNull();
    await expectOldImageStays(r);
  });

  it('an unsigned bundle is refused as soon as its manifest is in', async () => {
    const r = await provisioned();
    const bytes = bundle({ signer: null });
    const err = await refusal(r, bytes);
    expect(err.code).toBe('image_unsigned');
    expect(err.message).toContain('board 5 requires signed images; this image is unsigned (bundle "app_b" has no signature trailer');
    expect(verifiedUpTo(r, sha(bytes))).toBeLessThan(bytes.length);
    await expectOldImageStays(r);
  });

  it('a tampered signed bundle (a signature byte changed) is refused at the end, before commit', async () => {
    const r = await provisioned();
    const bytes = bundle();
    bytes[bytes.length - 1]! ^= 0x01;
    const err = await refusal(r, bytes);
    expect(err.code).toBe('bad_signature');
    expect(err.message).toMatch(new RegExp(`board 5 refuses bundle "app_b": the Ed25519 signature at 0x[0-9a-f]+ by key ${testKey.keyId} does not verify over the manifest`));
    await expectOldImageStays(r);
  });

  it('a bundle signed by a key not in the store is refused naming its key id', async () => {
    const r = await provisioned();
    const err = await refusal(r, bundle({ signer: otherKey }));
    expect(err.code).toBe('unknown_key');
    expect(err.message).toContain(`board 5 refuses bundle "app_b": signed by key ${otherKey.keyId}, which is not in its trust store (keys: ${testKey.keyId})`);
    await expectOldImageStays(r);
  });

  it('a bundle signed by a trusted key is taken and runs', async () => {
    const r = await provisioned();
    const bytes = bundle({ counter: 2 });
    await r.provision(bytes, { imageKind: ImageKind.bundle });
    expect(r.board.apps.map((a) => a.appName)).toEqual(['app_b']);
    expect((await list(r)).note).toBe('');
  });
});

describe('the security counter and the board class (any policy)', () => {
  it('a committed bundle raises the stored counter; one below it is refused as soon as its manifest is in', async () => {
    const r = await provisioned({ signed: false });
    const four = bundle({ counter: 4, name: 'four' });
    await r.provision(four, { imageKind: ImageKind.bundle });
    expect((await list(r)).securityCounter).toBe(4);
    await r.confirm();
    const three = bundle({ counter: 3 });
    const err = await refusal(r, three);
    expect(err.code).toBe('counter_too_low');
    expect(err.message).toContain('board 5 refuses bundle "app_b": security counter 3 < board minimum 4');
    expect(verifiedUpTo(r, sha(three))).toBeLessThan(three.length);
    expect((await list(r)).securityCounter).toBe(4);
    await expectOldImageStays(r, four, 'four');
    // equal is fine, and a lower one never lowers it
    await r.provision(bundle({ counter: 4, name: 'again' }), { imageKind: ImageKind.bundle });
    expect((await list(r)).securityCounter).toBe(4);
  });

  it('a bundle for another board class or vendor is refused, naming both', async () => {
    const r = await provisioned({ signed: false });
    let err = await refusal(r, bundle({ boardClass: 'hsx-b' }));
    expect(err.code).toBe('class_mismatch');
    expect(err.message).toContain('board 5 is board class "hsx-a"; bundle "app_b" is for board class "hsx-b"');
    err = await refusal(r, bundle({ vendor: 'other' }));
    expect(err.code).toBe('class_mismatch');
    expect(err.message).toContain('board 5 is vendor "acme"; bundle "app_b" is for vendor "other"');
    await expectOldImageStays(r);
  });

  it('a board with no vendor or class set takes a bundle for any', async () => {
    const r = await provisioned({ signed: false, vendor: '', boardClass: '' });
    await r.provision(bundle({ boardClass: 'whatever', vendor: 'anyone' }), { imageKind: ImageKind.bundle });
    expect(r.board.apps.map((a) => a.appName)).toEqual(['app_b']);
  });
});

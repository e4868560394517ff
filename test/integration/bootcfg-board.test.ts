/**
 * BOOTCFG_SET / BOOTCFG_GET over the wire (docs/protocol.md 4.3.5), in
 * virtual time: INFO announces bit 27, GET answers the defaults, SET stores
 * the order, images and the boot-failure limit (the settings' max trial
 * boots), a source named twice is refused bootcfg_invalid; under a signed
 * trust store an unsigned SET is refused auth_required and changes nothing,
 * a signed one runs and is audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bootcfgGet, bootcfgSet, trustAdd } from '../../src/protocol/engine/index.js';
import { request } from '../../src/protocol/engine/request.js';
import { LoaderCapability, MessageType } from '../../src/protocol/messages-types.js';
import { testKey } from '../unit/bundle/helpers.js';
import { image } from '../unit/board/helpers.js';
import { BoardRig } from './board-rig.js';

const rigs: BoardRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.dispose();
});

async function rig(): Promise<BoardRig> {
  const r = new BoardRig({ board: { nodeId: 5 } });
  rigs.push(r);
  await r.provision(image('app', { codeBytes: 512 }));
  await r.confirm();
  return r;
}

describe('boot configuration over the wire', () => {
  it('GET answers the defaults, SET stores order, images and limit, a bad one is refused', async () => {
    const r = await rig();
    const o = { scheduler: r.clock.scheduler };
    expect((await r.board.info()).capabilities & LoaderCapability.bootcfg).toBe(LoaderCapability.bootcfg);
    expect(await r.clock.until(bootcfgGet(r.host, o))).toMatchObject({ kind: 'bootcfg_info', stored: false, order: ['host', 'sd', 'can'], maxBootFailures: 3, images: [], failed: [] });
    const detail = await r.clock.until(bootcfgSet(r.host, { order: ['sd', 'can'], maxBootFailures: 5, images: ['app', 'other'] }, o));
    expect(detail).toMatch(/^boot configuration stored: order sd,can, max boot failures 5/);
    expect(await r.clock.until(bootcfgGet(r.host, o))).toMatchObject({ stored: true, order: ['sd', 'can'], maxBootFailures: 5, images: ['app', 'other'] });
    expect(r.board.fram.settings().maxTrialBoots).toBe(5);
    const bad = await r.clock.until(request(r.host, { kind: 'bootcfg_set', order: ['sd', 'sd'], maxBootFailures: 3, images: [] }, ['result'], { ...o, timeoutMs: 500, what: 'TEST' })).catch((e: unknown) => e as { code: string; message: string });
    expect(bad).toMatchObject({ code: 'bootcfg_invalid' });
    expect((bad as { message: string }).message).toContain('board 5 refuses the boot configuration: the source order sd,sd names a source twice');
    expect((await r.clock.until(bootcfgGet(r.host, o))).order).toEqual(['sd', 'can']);
  });

  it('a board whose capabilities lack bit 27 says so in INFO and answers ENOTSUP', async () => {
    const r = new BoardRig({ board: { nodeId: 5, capabilities: 0x1f } });
    rigs.push(r);
    expect((await r.board.info()).capabilities).toBe(0x1f);
    const err = await r.clock.until(bootcfgGet(r.host, { scheduler: r.clock.scheduler })).then(
      () => ({ code: 'OK', message: '' }),
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err.code).toBe('ENOTSUP');
    expect(err.message).toContain('board 5 keeps no boot configuration');
  });

  it('under a signed trust store: unsigned SET refused auth_required (nothing stored), signed SET runs and is audited', async () => {
    const r = await rig();
    const o = { scheduler: r.clock.scheduler };
    await r.clock.until(trustAdd(r.host, { requireSigned: true, publicKey: testKey.raw, vendor: '', boardClass: '' }, o));
    const refused = await r.clock.until(bootcfgSet(r.host, { order: ['can'], maxBootFailures: 2, images: [] }, o)).catch((e: unknown) => e as { code: string });
    expect(refused).toMatchObject({ code: 'auth_required' });
    expect(r.board.fram.bootConfig().stored).toBe(false);
    expect(r.board.fram.settings().maxTrialBoots).toBe(3);
    await r.clock.until(bootcfgSet(r.host, { order: ['can'], maxBootFailures: 2, images: [] }, { ...o, signer: testKey }));
    expect(r.board.fram.bootConfig().config.order).toEqual(['can']);
    const audit = r.board.fram.audit().entries.filter((e) => e.type === MessageType.BOOTCFG_SET);
    expect(audit.map((e) => e.kind)).toEqual([2, 1]); // refused, then accepted
    expect(audit[1]?.keyId).toBe(testKey.keyId);
  });
});

/** The host's signer against a target without authenticated commands (the reference FileSink target): CHALLENGE is answered ENOTSUP and every command goes unsigned, as before; a signed transfer works too. AUDIT is ENOTSUP. */
import { afterEach, describe, expect, it } from 'vitest';
import { abortSession, confirm, factoryReset } from '../../../../src/protocol/engine/host-commands.js';
import { auditTrail, challenge, signCommand } from '../../../../src/protocol/engine/auth.js';
import { testKey } from '../../bundle/helpers.js';
import { Rig, image } from '../../../integration/transfer-harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('a signer and a target without authenticated commands', () => {
  it('CHALLENGE and AUDIT are ENOTSUP; signed commands and a signed transfer go unsigned and work', async () => {
    rig = new Rig();
    const c = rig.clock;
    const o = { scheduler: c.scheduler, signer: testKey };
    await expect(c.until(challenge(rig.host, o))).rejects.toMatchObject({ code: 'ENOTSUP' });
    await expect(c.until(auditTrail(rig.host, o))).rejects.toMatchObject({ code: 'ENOTSUP' });
    const msg = await c.until(signCommand(rig.host, { kind: 'confirm', slot: 0 } as const, o));
    expect(msg).toEqual({ kind: 'confirm', slot: 0 });
    await rig.result(image(3000), { signer: testKey });
    await c.until(confirm(rig.host, 0, o));
    await c.until(factoryReset(rig.host, o));
    expect((await c.until(abortSession(rig.host, 0, o))).nothingToDo).toBe(true);
  });
});

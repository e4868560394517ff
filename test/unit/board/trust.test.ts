/**
 * The board's trust store and image policy at the board API: an image that
 * runs is never refused for the policy (a rollback below the counter, a
 * policy changed after the image was flashed) but reported in TRUST_INFO's
 * note and at boot; the counter never goes down.
 */
import { describe, expect, it } from 'vitest';
import { buildBundle } from '../../../src/bundle/index.js';
import { toHex } from '../../../src/util/hex.js';
import { testKey } from '../bundle/helpers.js';
import { FRAM_SIZE, image, openBoard } from './helpers.js';

const bundle = (name: string, counter: number): Uint8Array => buildBundle([{ kind: 'hxe', bytes: image(name) }], { name, securityCounter: counter, signer: testKey }).bytes;

describe('the trust store on the board', () => {
  it('a rollback to a bundle below the raised counter runs, and TRUST_LIST and the next boot report it', async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const board = openBoard(chip, { nodeId: 7 });
    await board.trustAdd({ requireSigned: true, publicKey: testKey.raw, vendor: '', boardClass: '' });
    board.install(bundle('two', 2), 'uart', { confirm: true });
    board.install(bundle('five', 5), 'uart', { confirm: true });
    expect((await board.trustList()).securityCounter).toBe(5);
    expect((await board.trustList()).note).toBe('');
    await board.rollback(0xff);
    expect(board.apps.map((a) => a.appName)).toEqual(['two']);
    const t = await board.trustList();
    expect(t.securityCounter).toBe(5);
    expect(t.note).toBe('[counter_too_low] board 7 refuses bundle "two": security counter 2 < board minimum 5 (a bundle older than one the board already ran; build it with --security-counter 5 or higher)');
    board.close();
    const again = openBoard(chip, { nodeId: 7 });
    expect(again.apps.map((a) => a.appName)).toEqual(['two']);
    expect(again.boot.trustViolation).toBe(t.note);
    expect(again.boot.notes).toContain(`the active image no longer passes the board's image policy: ${t.note}`);
    expect(again.fram.trust()?.securityCounter).toBe(5);
    again.close();
  });

  it('TRUST_ADD keeps the board id, and a provisioned store refuses the next one with auth_required', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE), { nodeId: 3 });
    const id = board.fram.trust()?.boardId;
    expect(await board.trustAdd({ requireSigned: false, publicKey: testKey.raw, vendor: 'acme', boardClass: '' })).toBe(`key ${testKey.keyId} added; image policy open; vendor "acme"`);
    expect(board.fram.trust()).toEqual({ boardId: id, policy: 'open', securityCounter: 0, vendor: 'acme', boardClass: '', keys: [{ keyId: testKey.keyId, publicKey: toHex(testKey.raw) }] });
    await expect(board.trustAdd({ requireSigned: true, publicKey: testKey.raw, vendor: '', boardClass: '' })).rejects.toMatchObject({ code: 'auth_required' });
    expect(board.fram.trust()?.policy).toBe('open');
    board.close();
  });
});

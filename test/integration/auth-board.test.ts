/**
 * Authenticated commands over the wire (issue 13), in virtual time: a board
 * whose trust store holds testKey under `signed` refuses an unauthenticated
 * ROLLBACK, FACTORY_RESET and SET_BAUD (changing nothing) and runs signed
 * ones; a replayed command, a key it does not trust, a signature over another
 * command or for another board are refused; a further TRUST_ADD needs a
 * signature; the audit ring records every verdict.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attachAuth, challenge, factoryReset, rollback, signCommand, trustAdd, trustList } from '../../src/protocol/engine/index.js';
import type { CommandSigner } from '../../src/protocol/engine/index.js';
import { request } from '../../src/protocol/engine/request.js';
import { ANY_SLOT, type Message, type ResultMsg } from '../../src/protocol/messages-types.js';
import { otherKey, testKey } from '../unit/bundle/helpers.js';
import { image, sha } from '../unit/board/helpers.js';
import { BoardRig } from './board-rig.js';

const OLD = image('old_app', { codeBytes: 2048 });
const NEW = image('new_app', { codeBytes: 1024 });

const rigs: BoardRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.dispose();
});

/** A board running NEW (OLD the previous image, both confirmed), then provisioned with testKey; `signed` unless told open. */
async function board(o: { nodeId?: number; signed?: boolean; lineRates?: readonly number[] } = {}): Promise<BoardRig> {
  const r = new BoardRig({ board: { nodeId: o.nodeId ?? 5 }, ...(o.lineRates === undefined ? {} : { lineRates: o.lineRates, bitRate: 115200 }) });
  rigs.push(r);
  await r.provision(OLD);
  await r.confirm();
  await r.provision(NEW);
  await r.confirm();
  await r.clock.until(trustAdd(r.host, { requireSigned: o.signed ?? true, publicKey: testKey.raw, vendor: '', boardClass: '' }, { scheduler: r.clock.scheduler }));
  return r;
}

const opts = (r: BoardRig, signer?: CommandSigner): { scheduler: BoardRig['clock']['scheduler']; signer?: CommandSigner } => ({ scheduler: r.clock.scheduler, ...(signer === undefined ? {} : { signer }) });

/** Send `msg` as it is (AUTH block or not) and resolve with the RESULT, or the error's code and message. */
async function send(r: BoardRig, msg: Message): Promise<{ code: string; message: string }> {
  return r.clock.until(request(r.host, msg, ['result'], { scheduler: r.clock.scheduler, timeoutMs: 500, what: 'TEST' })).then(
    (res: ResultMsg) => ({ code: 'OK', message: res.detail }),
    (e: unknown) => e as { code: string; message: string },
  );
}

function signed<M extends Message>(r: BoardRig, msg: M, key: CommandSigner = testKey): Promise<M> {
  return r.clock.until(signCommand(r.host, msg, opts(r, key)));
}

const activeApp = async (r: BoardRig): Promise<string | undefined> => (await r.status()).slots.find((s) => s.state === 'active')?.app;

describe('authenticated commands under a signed trust store', () => {
  it('an unauthenticated ROLLBACK and FACTORY_RESET are refused with auth_required and change nothing; signed ones run', async () => {
    const r = await board();
    const fram = r.chip.slice();
    for (const msg of [{ kind: 'rollback', slot: ANY_SLOT }, { kind: 'factory_reset' }] as const) {
      const err = await send(r, msg);
      expect(err.code).toBe('auth_required');
      expect(err.message).toContain(`board 5 requires an authenticated ${msg.kind === 'rollback' ? 'ROLLBACK' : 'FACTORY_RESET'}: pass --key <file> or set HILBRIDGE_SIGNING_KEY`);
    }
    // nothing changed but the two audit entries (and the wear counters that count their bytes)
    const L = r.board.fram.layout;
    const wear = L.partitions.find((p) => p.name === 'wear')!;
    for (const chip of [fram, r.chip]) {
      chip.fill(0, wear.offset, wear.offset + wear.length);
      chip.fill(0, L.audit.offset, L.audit.offset + L.audit.length);
    }
    expect(Buffer.compare(r.chip, fram)).toBe(0);
    expect(await activeApp(r)).toBe('new_app');

    expect((await send(r, await signed(r, { kind: 'rollback', slot: ANY_SLOT }))).code).toBe('OK');
    expect(await activeApp(r)).toBe('old_app');
    expect(r.activeSha()).toBe(sha(OLD));
    await r.clock.until(factoryReset(r.host, opts(r, testKey)));
    expect((await r.status()).slots.every((s) => s.state === 'empty')).toBe(true);
  });

  it('an unauthenticated SET_BAUD is refused and the line stays; a signed one switches', async () => {
    const r = await board({ lineRates: [115200, 230400] });
    const err = await send(r, { kind: 'set_baud', rate: 230400, confirmMs: 1000 });
    expect(err.code).toBe('auth_required');
    expect(err.message).toContain('board 5 requires an authenticated SET_BAUD');
    expect(r.target.lineRate).toBe(115200);
    expect((await send(r, await signed(r, { kind: 'set_baud', rate: 230400, confirmMs: 1000 }))).code).toBe('OK');
    expect(r.target.lineRate).toBe(230400);
  });

  it('a replayed command is refused nonce_stale: again at once, after another challenge, and after a reboot', async () => {
    const r = await board();
    const recorded = await signed(r, { kind: 'rollback', slot: ANY_SLOT });
    expect((await send(r, recorded)).code).toBe('OK');
    expect(await activeApp(r)).toBe('old_app');
    const again = await send(r, recorded);
    expect(again.code).toBe('nonce_stale');
    expect(again.message).toContain('a recorded command cannot be replayed');
    await r.clock.until(challenge(r.host, opts(r)));
    expect((await send(r, recorded)).code).toBe('nonce_stale');
    // a nonce issued before a reboot is dead after it
    const before = await signed(r, { kind: 'rollback', slot: ANY_SLOT });
    await r.reboot();
    expect((await send(r, before)).code).toBe('nonce_stale');
    expect(await activeApp(r)).toBe('old_app');
  });

  it('a nonce expires after its lifetime', async () => {
    const r = await board();
    const msg = await signed(r, { kind: 'rollback', slot: ANY_SLOT });
    await r.clock.advanceTo(r.clock.scheduler.now() + 30_001);
    const err = await send(r, msg);
    expect(err.code).toBe('nonce_stale');
    expect(err.message).toContain('expired after 30000 ms');
    expect(await activeApp(r)).toBe('new_app');
  });

  it('a signature by a key the board does not trust is refused naming its key id', async () => {
    const r = await board();
    const err = await send(r, await signed(r, { kind: 'rollback', slot: ANY_SLOT }, otherKey));
    expect(err.code).toBe('key_untrusted');
    expect(err.message).toContain(`key ${otherKey.keyId} is not in its trust store (${testKey.keyId})`);
    expect(await activeApp(r)).toBe('new_app');
  });

  it('a signature over another command, or a command changed after signing, is refused auth_failed', async () => {
    const r = await board();
    const confirmSig: Message = await signed<Message>(r, { kind: 'confirm', slot: ANY_SLOT });
    if (confirmSig.kind !== 'confirm') throw new Error('unreachable');
    const err = await send(r, { kind: 'rollback', slot: ANY_SLOT, auth: confirmSig.auth });
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain(`the signature by key ${testKey.keyId} does not verify`);
    const rb = await signed(r, { kind: 'rollback', slot: ANY_SLOT });
    expect((await send(r, { ...rb, slot: 1 })).code).toBe('auth_failed');
    expect(await activeApp(r)).toBe('new_app');
  });

  it("a command signed for board A is refused by board B (same key, B's nonce)", async () => {
    const a = await board({ nodeId: 5 });
    const b = await board({ nodeId: 6 });
    const listA = await a.clock.until(trustList(a.host, opts(a)));
    const listB = await b.clock.until(trustList(b.host, opts(b)));
    expect(listA.boardId).not.toBe(listB.boardId);
    // A's recorded command replayed on B: B never issued that nonce
    const forA = await signed(a, { kind: 'rollback', slot: ANY_SLOT });
    expect((await send(b, forA)).code).toBe('nonce_stale');
    // signed over A's board id with B's live nonce: the board id is part of what is signed
    const nb = await b.clock.until(challenge(b.host, opts(b)));
    const err = await send(b, attachAuth({ kind: 'rollback', slot: ANY_SLOT }, { boardId: listA.boardId, nonce: nb.nonce }, testKey));
    expect(err.code).toBe('auth_failed');
    expect(await activeApp(b)).toBe('new_app');
  });

  it('TRUST_ADD of a further key works only signed by a trusted key', async () => {
    const r = await board();
    const add = { kind: 'trust_add', requireSigned: true, publicKey: otherKey.raw, vendor: '', boardClass: '' } as const;
    expect((await send(r, add)).code).toBe('auth_required');
    expect((await send(r, await signed(r, add, otherKey))).code).toBe('key_untrusted');
    expect((await r.clock.until(trustList(r.host, opts(r)))).keyIds).toEqual([testKey.keyId]);
    const ok = await send(r, await signed(r, add));
    expect(ok).toEqual({ code: 'OK', message: `key ${otherKey.keyId} added (2 keys); image policy signed` });
    expect((await r.clock.until(trustList(r.host, opts(r)))).keyIds).toEqual([testKey.keyId, otherKey.keyId]);
    // the new key now authorises commands
    await r.clock.until(rollback(r.host, ANY_SLOT, opts(r, otherKey)));
    expect(await activeApp(r)).toBe('old_app');
  });

  it("a repeat of the open session's signed BEGIN is taken without a new nonce; another image under that session id is not", async () => {
    const r = await board();
    const begin = { kind: 'begin', size: 4096, crc32: 1, sha256: new Uint8Array(32).fill(3), slot: ANY_SLOT, imageKind: 2, chunk: 1024, window: 4, ackEvery: 1, ackDelayMs: 20, fresh: true } as const;
    const o = { scheduler: r.clock.scheduler, timeoutMs: 500, tries: 2, what: 'BEGIN', session: 9 };
    const signedBegin = await signed(r, begin);
    expect((await r.clock.until(request(r.host, signedBegin, ['session'], o))).size).toBe(4096);
    // the reply was lost, say: the same BEGIN again (its nonce used up) resumes the open session
    expect((await r.clock.until(request(r.host, signedBegin, ['session'], o))).size).toBe(4096);
    const other = { ...begin, sha256: new Uint8Array(32).fill(4) };
    await expect(r.clock.until(request(r.host, other, ['session'], o))).rejects.toMatchObject({ code: 'auth_required' });
    await expect(r.clock.until(request(r.host, { ...signedBegin, sha256: other.sha256 }, ['session'], o))).rejects.toMatchObject({ code: 'nonce_stale' });
  });

  it('under the open policy nothing changes: an unauthenticated rollback runs', async () => {
    const r = await board({ signed: false });
    expect((await send(r, { kind: 'rollback', slot: ANY_SLOT })).code).toBe('OK');
    expect(await activeApp(r)).toBe('old_app');
    expect(r.board.fram.audit().entries.map((e) => e.kind)).toEqual([3]); // only the trust change
  });

  it('the audit ring records every verdict and trust change, wraps at 16, and factory reset keeps it with the store and counter', async () => {
    const r = await board();
    await send(r, { kind: 'rollback', slot: ANY_SLOT }); // refused: auth_required
    await send(r, await signed(r, { kind: 'confirm', slot: ANY_SLOT }, otherKey)); // refused: key_untrusted
    await send(r, await signed(r, { kind: 'confirm', slot: ANY_SLOT })); // accepted
    let ring = r.board.fram.audit();
    expect(ring.entries.map((e) => [e.kind, e.type, e.code, e.keyId])).toEqual([
      [3, 0x15, 0, testKey.keyId], // the key added
      [2, 0x0e, 0x0405, '0000000000000000'],
      [2, 0x0f, 0x0502, otherKey.keyId],
      [1, 0x0f, 0, testKey.keyId],
    ]);
    for (let i = 0; i < 16; i++) await send(r, { kind: 'confirm', slot: ANY_SLOT });
    ring = r.board.fram.audit();
    expect(ring.damaged).toBe(0);
    expect(ring.entries).toHaveLength(16);
    expect(ring.entries.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 5));
    const before = await r.clock.until(trustList(r.host, opts(r)));
    await r.clock.until(factoryReset(r.host, opts(r, testKey)));
    expect(await r.clock.until(trustList(r.host, opts(r)))).toEqual({ ...before, note: '' }); // nothing runs now, so no note
    ring = r.board.fram.audit();
    expect(ring.entries.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 6));
    expect(ring.entries.at(-1)).toMatchObject({ kind: 1, type: 0x10, keyId: testKey.keyId });
    // the AUDIT request returns the same ring
    const wire = await r.clock.until(request(r.host, { kind: 'audit' }, ['audit_info'], { scheduler: r.clock.scheduler, timeoutMs: 500, what: 'AUDIT' }));
    expect(wire.entries).toEqual(ring.entries);
  });
});

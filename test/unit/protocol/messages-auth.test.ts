/** Authenticated commands on the wire (docs/protocol.md 4.3.4): the AUTH block byte by byte (the worked example of the doc), CHALLENGE/NONCE, AUDIT/AUDIT_INFO and the 0x05xx codes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageType } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages.js';
import { authSignedBytes, AUTH_BLOCK_SIZE } from '../../../src/protocol/messages-auth.js';
import { wireCodeOf } from '../../../src/protocol/messages-codes.js';
import { attachAuth } from '../../../src/protocol/engine/auth.js';
import { verifySignature } from '../../../src/bundle/keys.js';
import { testKey } from '../bundle/helpers.js';
import { messageFields } from '../../../src/protocol/candump-fields.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const BOARD = '000102030405060708090a0b0c0d0e0f';
const NONCE = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const SIGNED_HEX = '68696c6272696467652d617574682d7631' + '00' + BOARD + hexOf(NONCE) + '0e' + 'ff';
const SIG_HEX = '48e6b7ecc7c5288eb139ec863271e26176ba8fcef130313899b21ec9db83ff6b9b71c21a11d61edcccf12c219c008041592bdab8d36d3cd9beaff2656edbf409';
const PAYLOAD_HEX = 'ff' + '41555448' + testKey.keyId + hexOf(NONCE) + SIG_HEX;

describe('the AUTH block', () => {
  it('the worked example of docs/protocol.md 4.3.4: ROLLBACK ANY_SLOT signed by the test key', () => {
    expect(hexOf(authSignedBytes(BOARD, NONCE, MessageType.ROLLBACK, Uint8Array.of(0xff)))).toBe(SIGNED_HEX);
    const msg = attachAuth({ kind: 'rollback', slot: 0xff } as const, { boardId: BOARD, nonce: NONCE }, testKey);
    const { type, payload } = encodeMessage(msg);
    expect(type).toBe(0x0e);
    expect(payload).toHaveLength(1 + AUTH_BLOCK_SIZE);
    expect(hexOf(payload)).toBe(PAYLOAD_HEX);
    expect(verifySignature(testKey.raw, Buffer.from(SIGNED_HEX, 'hex'), Buffer.from(SIG_HEX, 'hex'))).toBe(true);
    const back = decodeMessage(type, payload);
    expect(back).toEqual({ ok: true, msg });
    // hilbridge decode shows which key signed it (public), never more
    expect(messageFields(msg)).toEqual({ slot: 255, auth: testKey.keyId });
    // the document shows the same bytes
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8').replace(/\s+/g, '');
    expect(doc.includes(SIGNED_HEX), 'docs/protocol.md shows the signed bytes').toBe(true);
    expect(doc.includes(SIG_HEX), 'docs/protocol.md shows the signature').toBe(true);
    expect(doc.includes(`ff41555448${testKey.keyId}${hexOf(NONCE)}`), 'docs/protocol.md shows the payload').toBe(true);
  });

  it('is found only on state-changing commands, only with its magic, and the command before it must decode exactly', () => {
    const block = Buffer.from(PAYLOAD_HEX, 'hex').subarray(1);
    // STATUS is read-only: 92 trailing bytes are just malformed
    expect(decodeMessage(MessageType.STATUS, block)).toMatchObject({ ok: false });
    // without the magic, a ROLLBACK with 93 bytes is malformed, not authenticated
    const noMagic = Buffer.from(PAYLOAD_HEX, 'hex');
    noMagic[1] = 0;
    expect(decodeMessage(MessageType.ROLLBACK, noMagic)).toMatchObject({ ok: false, detail: 'ROLLBACK payload has 92 trailing bytes' });
    // a FACTORY_RESET without its guard word stays refused with a block
    expect(decodeMessage(MessageType.FACTORY_RESET, Buffer.concat([Buffer.from('00000000', 'hex'), block]))).toMatchObject({ ok: false });
    // every authenticated kind round-trips with its block
    const auth = { keyId: testKey.keyId, nonce: NONCE, signature: Buffer.from(SIG_HEX, 'hex') };
    const kinds: Message[] = [
      { kind: 'begin', size: 10, crc32: 1, sha256: new Uint8Array(32), slot: 0xff, imageKind: 2, chunk: 64, window: 4, ackEvery: 1, ackDelayMs: 20, fresh: true, auth },
      { kind: 'abort', code: 7, detail: 'aborted by the host', auth },
      { kind: 'confirm', slot: 0, auth },
      { kind: 'factory_reset', auth },
      { kind: 'set_baud', rate: 921600, confirmMs: 1000, auth },
      { kind: 'trust_add', requireSigned: false, publicKey: testKey.raw, vendor: '', boardClass: '', auth },
    ];
    for (const m of kinds) {
      const e = encodeMessage(m);
      const d = decodeMessage(e.type, e.payload);
      expect(d.ok && { ...d.msg, auth: { ...(d.msg as { auth: object }).auth } }).toEqual({ ...m, auth: { ...auth, signature: new Uint8Array(auth.signature) } });
    }
  });
});

describe('CHALLENGE, NONCE, AUDIT, AUDIT_INFO', () => {
  it('round-trip byte for byte and refuse wrong lengths', () => {
    expect(encodeMessage({ kind: 'challenge' })).toEqual({ type: 0x20, payload: new Uint8Array(0) });
    expect(encodeMessage({ kind: 'audit' })).toEqual({ type: 0x22, payload: new Uint8Array(0) });
    const nonce: Message = { kind: 'nonce', boardId: BOARD, nonce: NONCE, lifetimeMs: 30000 };
    const n = encodeMessage(nonce);
    expect(n.type).toBe(0x21);
    expect(hexOf(n.payload)).toBe(BOARD + hexOf(NONCE) + '00007530');
    expect(decodeMessage(0x21, n.payload)).toEqual({ ok: true, msg: nonce });
    expect(decodeMessage(0x21, n.payload.subarray(1))).toMatchObject({ ok: false });
    const info: Message = { kind: 'audit_info', entries: [{ seq: 7, boot: 2, kind: 2, type: 0x0e, code: 0x0405, keyId: testKey.keyId }] };
    const a = encodeMessage(info);
    expect(a.type).toBe(0x23);
    expect(hexOf(a.payload)).toBe('01' + '00000007' + '00000002' + '02' + '0e' + '0405' + testKey.keyId);
    expect(decodeMessage(0x23, a.payload)).toEqual({ ok: true, msg: info });
    expect(decodeMessage(0x23, a.payload.subarray(0, 20))).toMatchObject({ ok: false });
    expect(decodeMessage(0x20, Uint8Array.of(1))).toMatchObject({ ok: false });
  });

  it('the 0x05xx codes', () => {
    expect([wireCodeOf('auth_required'), wireCodeOf('auth_failed'), wireCodeOf('nonce_stale'), wireCodeOf('key_untrusted')]).toEqual([0x0405, 0x0500, 0x0501, 0x0502]);
  });
});

/** The trust store messages (docs/protocol.md 4.3.3): TRUST_ADD, TRUST_LIST, TRUST_INFO byte by byte, their refusals, INFO bit 30 and the 0x04xx codes. */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageType } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages.js';
import { wireCodeOf } from '../../../src/protocol/messages-codes.js';
import { LoaderCapability, requiresSignedImages } from '../../../src/protocol/messages-types.js';
import { messageFields } from '../../../src/protocol/candump-fields.js';
import { keyIdOf } from '../../../src/bundle/index.js';

const key = Uint8Array.from({ length: 32 }, (_, i) => i);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const pad = (s: string): string => Buffer.from(s.padEnd(24, '\0'), 'latin1').toString('hex');

const add: Message = { kind: 'trust_add', requireSigned: true, publicKey: key, vendor: 'acme', boardClass: 'hsx-a' };
const ADD_HEX = '01' + '01' + hexOf(key) + pad('acme') + pad('hsx-a');

const info: Message = {
  kind: 'trust_info', boardId: '00112233445566778899aabbccddeeff', policy: 'signed', securityCounter: 4, vendor: 'acme', boardClass: 'hsx-a',
  keyIds: ['21fe31dfa154a261', '0102030405060708'], note: '',
};
const INFO_HEX = '00112233445566778899aabbccddeeff' + '01' + '00000004' + pad('acme') + pad('hsx-a') + '02' + '21fe31dfa154a261' + '0102030405060708';

function decoded(type: number, hex: string): Message {
  const d = decodeMessage(type, Buffer.from(hex, 'hex'));
  if (!d.ok) throw new Error(d.detail);
  return d.msg;
}

function refusal(type: number, hex: string): string {
  const d = decodeMessage(type, Buffer.from(hex, 'hex'));
  expect(d.ok).toBe(false);
  return d.ok ? '' : d.detail;
}

describe('trust store messages', () => {
  it('TRUST_ADD (0x15): flags, key type, raw key, vendor and board class, 82 bytes', () => {
    const e = encodeMessage(add);
    expect(e.type).toBe(0x15);
    expect(e.type).toBe(MessageType.TRUST_ADD);
    expect(hexOf(e.payload)).toBe(ADD_HEX);
    expect(e.payload.length).toBe(82);
    expect(decoded(0x15, ADD_HEX)).toEqual(add);
    expect(decoded(0x15, '00' + ADD_HEX.slice(2))).toEqual({ ...add, requireSigned: false });
  });

  it('TRUST_LIST (0x16) is empty; TRUST_INFO (0x17): board id, policy, counter, vendor, class, key ids, note', () => {
    const list = encodeMessage({ kind: 'trust_list' });
    expect(list).toEqual({ type: 0x16, payload: new Uint8Array(0) });
    expect(refusal(0x16, '00')).toMatch(/TRUST_LIST payload has 1 trailing bytes/);
    const e = encodeMessage(info);
    expect(e.type).toBe(0x17);
    expect(hexOf(e.payload)).toBe(INFO_HEX);
    expect(e.payload.length).toBe(70 + 16);
    expect(decoded(0x17, INFO_HEX)).toEqual(info);
    const note = '[image_unsigned] board 5 requires signed images';
    expect(decoded(0x17, INFO_HEX + Buffer.from(note).toString('hex'))).toEqual({ ...info, note });
  });

  it('malformed payloads are refused with a reason', () => {
    expect(refusal(0x15, ADD_HEX.slice(0, -2))).toMatch(/too short for field board class/);
    expect(refusal(0x15, ADD_HEX + '00')).toMatch(/1 trailing bytes/);
    expect(refusal(0x15, '03' + ADD_HEX.slice(2))).toMatch(/undefined flag bits 0x3/);
    expect(refusal(0x15, '0102' + ADD_HEX.slice(4))).toMatch(/key type 2 is not 1 \(Ed25519\)/);
    const vendorAt = (2 + 32) * 2;
    expect(refusal(0x15, ADD_HEX.slice(0, vendorAt) + '61006200' + ADD_HEX.slice(vendorAt + 8))).toMatch(/vendor has non-zero bytes after its terminating zero/);
    expect(refusal(0x15, ADD_HEX.slice(0, vendorAt) + '07' + ADD_HEX.slice(vendorAt + 2))).toMatch(/vendor is not printable ASCII/);
    expect(refusal(0x17, INFO_HEX.slice(0, 32) + '02' + INFO_HEX.slice(34))).toMatch(/policy 2 is not 0 \(open\) or 1 \(signed\)/);
    const countAt = (16 + 1 + 4 + 48) * 2;
    expect(refusal(0x17, INFO_HEX.slice(0, countAt) + '05' + INFO_HEX.slice(countAt + 2))).toMatch(/key count 5 is above 4/);
    expect(refusal(0x17, INFO_HEX.slice(0, countAt) + '03' + INFO_HEX.slice(countAt + 2))).toMatch(/too short for key id 2/);
    expect(() => encodeMessage({ ...add, vendor: "x".repeat(25) })).toThrow(/at most 24/);
    expect(() => encodeMessage({ ...add, publicKey: new Uint8Array(31) })).toThrow(/31-byte public key/);
  });

  it('decode shows TRUST_ADD by key id, never needing the key itself', () => {
    expect(messageFields(add)).toEqual({ keyId: keyIdOf(key), requireSigned: true, vendor: 'acme', boardClass: 'hsx-a' });
  });

  it('INFO capability bit 30 says the policy is signed; the 0x04xx codes', () => {
    expect(LoaderCapability.signedOnly).toBe(0x40000000);
    expect(requiresSignedImages(0xc000001f)).toBe(true);
    expect(requiresSignedImages(0x8000001f)).toBe(false);
    expect(['image_unsigned', 'unknown_key', 'bad_signature', 'counter_too_low', 'class_mismatch', 'auth_required'].map(wireCodeOf)).toEqual([0x400, 0x401, 0x402, 0x403, 0x404, 0x405]);
  });
});

/** Bundles on the wire (docs/protocol.md 4.2.1): BEGIN image kind 2, INFO capability bit 31, STATUS_INFO `bundle`, the bundle codes. */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageType } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages.js';
import { WireCode, wireCodeOf } from '../../../src/protocol/messages-codes.js';
import { ImageKind, LoaderCapability, takesBundles } from '../../../src/protocol/messages-types.js';

const roundTrip = (msg: Message, type: number): Message => {
  const e = encodeMessage(msg);
  expect(e.type).toBe(type);
  const d = decodeMessage(type, e.payload);
  if (!d.ok) throw new Error(d.detail);
  return d.msg;
};

describe('bundles on the wire', () => {
  it('BEGIN carries image kind 2 (bundle); kind 3 is still malformed', () => {
    const begin: Message = { kind: 'begin', size: 4096, crc32: 1, sha256: new Uint8Array(32), slot: 0xff, imageKind: ImageKind.bundle, chunk: 1024, window: 8, ackEvery: 2, ackDelayMs: 20, fresh: false };
    expect(roundTrip(begin, MessageType.BEGIN)).toEqual(begin);
    const bytes = encodeMessage(begin).payload;
    bytes[41] = 3;
    const d = decodeMessage(MessageType.BEGIN, bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.detail).toMatch(/image kind 3 is not 0 \(raw\), 1 \(hxe\) or 2 \(bundle\)/);
  });

  it('INFO capabilities bit 31 says the target takes bundles', () => {
    expect(LoaderCapability.bundle).toBe(0x80000000);
    expect(takesBundles(0x8000001f)).toBe(true);
    expect(takesBundles(0x1f)).toBe(false);
    expect(takesBundles(0xffffffff)).toBe(true);
  });

  it('STATUS_INFO carries the active bundle, and a body without it still decodes', () => {
    const bundle = { name: 'pair', securityCounter: 2, segments: [{ name: 'alpha', kind: 'hxe', size: 3196, sha256: 'ab'.repeat(32) }, { name: 'cal', kind: 'values', size: 100 }], apps: ['alpha'] };
    const st: Message = { kind: 'status_info', state: 'READY', session: 0, size: 0, held: 0, slots: [{ slot: 0, state: 'trial', app: 'pair' }], bundle };
    expect(roundTrip(st, MessageType.STATUS_INFO)).toMatchObject({ bundle });
    expect(roundTrip({ kind: 'status_info', state: 'IDLE', session: 0, size: 0, held: 0, slots: [] }, MessageType.STATUS_INFO)).not.toHaveProperty('bundle.name');
    const bad = new TextEncoder().encode(JSON.stringify({ state: 'IDLE', session: 0, size: 0, held: 0, slots: [], bundle: { name: 'x', securityCounter: -1, segments: [], apps: [] } }));
    expect(decodeMessage(MessageType.STATUS_INFO, bad).ok).toBe(false);
  });

  it('the bundle codes have wire numbers in 0x03xx', () => {
    expect(wireCodeOf('bad_bundle')).toBe(0x0300);
    expect(wireCodeOf('bundle_unsupported')).toBe(0x0301);
    expect(WireCode.bad_bundle).toBeGreaterThan(WireCode.sha256_mismatch); // refused during DATA: ABORT with the reason, not a bare NACK
  });
});

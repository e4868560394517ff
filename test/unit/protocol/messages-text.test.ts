/**
 * Text fields of messages come back exactly as sent. A leading U+FEFF (a
 * byte-order mark) used to be dropped by the UTF-8 decoder, so ABORT and
 * RESULT details and INFO identities starting with one did not round-trip
 * (found by `npm run fuzz`, target messages).
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type Message } from '../../../src/protocol/messages.js';

const roundTrip = (m: Message): Message | string => {
  const { type, payload } = encodeMessage(m);
  const r = decodeMessage(type, payload);
  return r.ok ? r.msg : r.detail;
};

describe('message text fields', () => {
  it.each(['\uFEFF', '\uFEFFx', 'x\uFEFF', '\uFEFF\uFEFF'])('keep a byte-order mark: %j', (text) => {
    expect(roundTrip({ kind: 'abort', code: 1, detail: text })).toEqual({ kind: 'abort', code: 1, detail: text });
    expect(roundTrip({ kind: 'result', code: 2, offset: 5, detail: text })).toEqual({ kind: 'result', code: 2, offset: 5, detail: text });
    const info: Message = { kind: 'info', version: 1, nodeId: 5, maxChunk: 64, window: 4, maxFrame: 128, capabilities: 0, framSize: 0, identity: text, slots: [] };
    expect(roundTrip(info)).toEqual(info);
  });

  it('still refuse bytes that are not UTF-8', () => {
    const r = decodeMessage(0x0b, Uint8Array.of(0, 1, 0xc0, 0x80)); // ABORT with an overlong NUL
    expect(r).toEqual({ ok: false, detail: 'ABORT detail is not valid UTF-8' });
  });
});

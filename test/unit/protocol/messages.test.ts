import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageType, NO_OFFSET } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages.js';
import { TargetError, WireCode, wireCodeName, wireCodeOf } from '../../../src/protocol/messages-codes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));
const sha = Uint8Array.from({ length: 32 }, (_, i) => i);

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const pos16 = fc.integer({ min: 1, max: 0xffff });
const sha256 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const text = fc.string({ maxLength: 40 });
const slot = fc.record(
  { slot: fc.integer({ min: 0, max: 254 }), state: text, app: text, size: fc.nat(), crc32: u32 },
  { requiredKeys: ['slot', 'state'] },
);

const ranges = fc
  .uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 10 })
  .map((xs) => [...xs].sort((a, b) => a - b))
  .filter((xs) => xs.length % 2 === 0)
  .map((xs) => {
    const out: { start: number; end: number }[] = [];
    for (let i = 0; i < xs.length; i += 2) out.push({ start: xs[i]!, end: xs[i + 1]! });
    return out;
  });

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ kind: fc.constant('hello' as const), version: u8, maxChunk: pos16, window: pos16, maxFrame: u32 }),
  fc.record({
    kind: fc.constant('info' as const),
    version: u8,
    nodeId: u8,
    maxChunk: pos16,
    window: pos16,
    maxFrame: u32,
    capabilities: u32,
    framSize: u32,
    identity: fc.string({ maxLength: 60 }),
    slots: fc.array(slot, { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('query' as const), size: u32, sha256 }),
  fc.record({
    kind: fc.constant('session' as const),
    state: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
    truncated: fc.boolean(),
    size: fc.integer({ min: 1_000_000, max: 0xffffffff }),
    sha256,
    ranges,
  }),
  fc.record({
    kind: fc.constant('begin' as const),
    size: u32,
    crc32: u32,
    sha256,
    slot: u8,
    imageKind: fc.constantFrom(0 as const, 1 as const),
    chunk: pos16,
    window: pos16,
    ackEvery: fc.integer({ min: 1, max: 255 }),
    ackDelayMs: u16,
    fresh: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('data' as const), offset: u32, bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ kind: fc.constant('ack' as const), cumulative: u32, bitmap: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('nack' as const), code: u16, offset: u32 }),
  fc.constant({ kind: 'end' as const }),
  fc.record({
    kind: fc.constant('done' as const),
    slot: u8,
    size: u32,
    crc32: u32,
    sha256,
    counters: fc.record({ framesReceived: u32, duplicates: u32, outOfWindow: u32, crcErrors: u32, malformed: u32 }),
  }),
  fc.record({ kind: fc.constant('abort' as const), code: u16, detail: text }),
  fc.constant({ kind: 'status' as const }),
  fc.record({
    kind: fc.constant('status_info' as const),
    state: text,
    session: u16,
    size: fc.nat(),
    held: fc.nat(),
    slots: fc.array(slot, { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('rollback' as const), slot: u8 }),
  fc.record({ kind: fc.constant('confirm' as const), slot: u8 }),
  fc.constant({ kind: 'factory_reset' as const }),
  fc.constant({ kind: 'fmap' as const }),
  fc.record({
    kind: fc.constant('fmap_info' as const),
    regions: fc.array(fc.record({ name: text, offset: fc.nat(), size: fc.nat() }), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('result' as const), code: u16, offset: fc.option(fc.integer({ min: 0, max: NO_OFFSET - 1 }), { nil: undefined }), detail: text }),
);

/** Normalise Uint8Array views so toEqual compares contents only. */
function plain(m: Message): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v)));
}

describe('message codecs', () => {
  it('decode(encode(m)) = m for every message', () => {
    fc.assert(
      fc.property(message, (m) => {
        const { type, payload } = encodeMessage(m);
        const d = decodeMessage(type, payload);
        expect(d.ok).toBe(true);
        if (d.ok) expect(plain(d.msg)).toEqual(plain(m));
      }),
      { numRuns: 500 },
    );
  });

  it('decoding arbitrary bytes as any type never throws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x20 }), fc.uint8Array({ maxLength: 120 }), (type, bytes) => {
        const d = decodeMessage(type, bytes);
        if (!d.ok) expect(d.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a valid fixed-layout payload is rejected with a reason', () => {
    for (const m of [
      { kind: 'hello', version: 1, maxChunk: 4096, window: 16, maxFrame: 4200 },
      { kind: 'query', size: 10, sha256: sha },
      { kind: 'begin', size: 10, crc32: 1, sha256: sha, slot: 0, imageKind: 1, chunk: 4, window: 2, ackEvery: 1, ackDelayMs: 5, fresh: false },
      { kind: 'nack', code: 3, offset: 8 },
      { kind: 'ack', cumulative: 8, bitmap: Uint8Array.of(0x80) },
    ] satisfies Message[]) {
      const { type, payload } = encodeMessage(m);
      for (let n = 0; n < payload.length; n++) {
        const d = decodeMessage(type, payload.subarray(0, n));
        expect(d.ok, `${m.kind} cut to ${n}`).toBe(false);
      }
      expect(decodeMessage(type, Uint8Array.of(...payload, 0)).ok, `${m.kind} + trailing byte`).toBe(false);
    }
  });

  it('HELLO layout: version | reserved | maxChunk | window | maxFrame', () => {
    const { type, payload } = encodeMessage({ kind: 'hello', version: 1, maxChunk: 0x1000, window: 0x20, maxFrame: 0x1024 });
    expect(type).toBe(MessageType.HELLO);
    expect(hex(payload)).toBe('01 00 1000 0020 00001024'.replace(/ /g, ''));
  });

  it('BEGIN layout, byte for byte', () => {
    const { type, payload } = encodeMessage({
      kind: 'begin', size: 0x40000, crc32: 0xdeadbeef, sha256: sha, slot: 1, imageKind: 1,
      chunk: 0x1000, window: 16, ackEvery: 4, ackDelayMs: 20, fresh: true,
    });
    expect(type).toBe(0x05);
    expect(hex(payload)).toBe(
      hex(fromHex(`00040000 | deadbeef | ${hex(sha)} | 01 | 01 | 1000 | 0010 | 04 | 01 | 0014`)),
    );
  });

  it('ACK, NACK, DATA and RESULT layouts', () => {
    expect(hex(encodeMessage({ kind: 'ack', cumulative: 0x2000, bitmap: Uint8Array.of(0xa0) }).payload)).toBe('00002000' + '0001' + 'a0');
    expect(hex(encodeMessage({ kind: 'nack', code: WireCode.ESRCH, offset: 0x1000 }).payload)).toBe('0003' + '00001000');
    expect(hex(encodeMessage({ kind: 'data', offset: 0x10, bytes: Uint8Array.of(1, 2) }).payload)).toBe('00000010' + '0102');
    expect(hex(encodeMessage({ kind: 'result', code: 0x101, offset: undefined, detail: 'x' }).payload)).toBe('0101' + 'ffffffff' + '78');
  });

  it('rejects field values that cannot mean anything', () => {
    expect(decodeMessage(MessageType.HELLO, fromHex('01 00 0000 0010 00001000')).ok).toBe(false); // zero chunk
    expect(decodeMessage(MessageType.HELLO, fromHex('01 07 1000 0010 00001000')).ok).toBe(false); // reserved
    expect(decodeMessage(MessageType.DATA, fromHex('00000010')).ok).toBe(false); // no bytes
    expect(decodeMessage(MessageType.FACTORY_RESET, fromHex('00000000')).ok).toBe(false); // wrong magic
    expect(decodeMessage(MessageType.SESSION, fromHex(`01 00 0001 00000010 ${hex(sha)} 00000008 00000004`)).ok).toBe(false); // start > end
    expect(decodeMessage(MessageType.SESSION, fromHex(`04 00 0000 00000010 ${hex(sha)}`)).ok).toBe(false); // state
    expect(decodeMessage(MessageType.INFO, fromHex('01 05 1000 0010 00001000 00000000 00000000 00 7b')).ok).toBe(false); // bad JSON
    expect(decodeMessage(0x7e, new Uint8Array(0))).toEqual({ ok: false, detail: 'unknown message type 0x7e' });
  });

  it('refuses to encode out-of-range fields (caller bug) with a ProtocolError', () => {
    expect(() => encodeMessage({ kind: 'begin', size: 1, crc32: 0, sha256: sha.subarray(1), slot: 0, imageKind: 0, chunk: 1, window: 1, ackEvery: 1, ackDelayMs: 0, fresh: false })).toThrow(/SHA-256 of 31/);
    expect(() => encodeMessage({ kind: 'hello', version: 1, maxChunk: 70000, window: 1, maxFrame: 1 })).toThrow(/maxChunk/);
  });
});

describe('wire error codes', () => {
  it('maps names and numbers both ways, unknowns explicitly', () => {
    expect(wireCodeOf('ENOSPC')).toBe(2);
    expect(wireCodeOf('crc_mismatch')).toBe(0x101);
    expect(wireCodeOf('over_budget')).toBe(0x201);
    expect(wireCodeOf('no_such_code')).toBe(0xffff);
    expect(wireCodeOf('toString')).toBe(0xffff);
    expect(wireCodeName(0x0004)).toBe('EBUSY');
    expect(wireCodeName(0x4321)).toBe('code_0x4321');
    const numbers = Object.values(WireCode);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('TargetError names the link, the code, the offset and what to check', () => {
    const e = new TargetError(WireCode.ENOSPC, 'node 5 on vcan0', 'BEGIN refused', 'slot 1 holds 65536 bytes', 0x10000);
    expect(e.code).toBe('ENOSPC');
    expect(e.message).toBe(
      'BEGIN refused: node 5 on vcan0 answered ENOSPC at byte 0x10000 (slot 1 holds 65536 bytes): the image is larger than the target slot: check the slot and FRAM size (hilbridge status, hilbridge fmap)',
    );
    expect(e.toJSON()).toMatchObject({ code: 'ENOSPC', link: 'node 5 on vcan0', wireCode: 2, offset: 0x10000 });
  });
});

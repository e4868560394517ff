/**
 * Fuzz target `messages`: decodeMessage (src/protocol/messages.ts) on random
 * payloads under every type number, on mutated encodings of generated and
 * documented messages (the type sometimes swapped), and on random JSON
 * bodies for the JSON-carrying types. Invariants: never throws; a generated
 * message decodes to itself (decode(encode(x)) = x); an accepted payload
 * re-encodes to the same bytes (binary types) or to an encoding that decodes
 * and re-encodes identically (JSON types); the decoded kind matches the type.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { decodeMessage, encodeMessage, MessageType, typeOfKind, type Message } from '../../src/protocol/messages.js';
import { examples } from '../unit/protocol/messages-examples.js';
import { invariant, type FuzzTarget } from './harness.js';
import { applyMutations, equalBytes, mutations, type Mutation } from './mutate.js';

const u8 = fc.nat(0xff);
const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffffffff);
const sha = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Code points decoders get wrong at the edges of a field: a byte-order mark, NUL, the replacement character, the last code point. */
const SPECIAL = ['', '', '\uFEFF', '\u0000', '\uFFFD', '\u{10FFFF}'] as const;
const text = fc
  .tuple(fc.constantFrom(...SPECIAL), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom(...SPECIAL))
  .map(([a, s, b]) => a + s + b);
const slots = fc.array(
  fc.record(
    { slot: fc.nat(254), state: fc.constantFrom('active', 'empty', 'staged', 'bad'), app: fc.string({ maxLength: 12 }), size: u32 },
    { requiredKeys: ['slot', 'state'] },
  ),
  { maxLength: 3 },
);
const ranges = fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 1000 })), { maxLength: 5 }).map((parts) => {
  let at = 0;
  return parts.map(([gap, len]) => {
    const start = at + gap;
    at = start + len;
    return { start, end: at };
  });
});
const rates = fc.uniqueArray(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 1, maxLength: 32 }).map((r) => r.sort((a, b) => a - b));

/** Every message kind with its fields anywhere in range. */
export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ kind: fc.constant('hello' as const), version: u8, maxChunk: fc.integer({ min: 1, max: 0xffff }), window: fc.integer({ min: 1, max: 0xffff }), maxFrame: u32 }),
  fc
    .record({
      kind: fc.constant('info' as const), version: u8, nodeId: u8, maxChunk: fc.integer({ min: 1, max: 0xffff }), window: fc.integer({ min: 1, max: 0xffff }),
      maxFrame: u32, capabilities: u32, framSize: u32, identity: text.filter((s) => Buffer.byteLength(s) <= 0xff), slots, lineRates: fc.option(rates, { nil: undefined }),
    })
    .map(({ lineRates, ...m }) => (lineRates === undefined ? m : { ...m, lineRates })),
  fc.record({ kind: fc.constant('set_baud' as const), rate: fc.integer({ min: 1, max: 0xffffffff }), confirmMs: fc.integer({ min: 1, max: 0xffff }) }),
  fc.record({ kind: fc.constant('query' as const), size: u32, sha256: sha }),
  fc.tuple(ranges, fc.nat(1000), fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3), fc.boolean(), sha).map(([rs, extra, state, truncated, sha256]) => ({
    kind: 'session' as const, state, truncated, size: (rs[rs.length - 1]?.end ?? 0) + extra, sha256, ranges: rs,
  })),
  fc.record({
    kind: fc.constant('begin' as const), size: u32, crc32: u32, sha256: sha, slot: u8, imageKind: fc.constantFrom<0 | 1>(0, 1),
    chunk: fc.integer({ min: 1, max: 0xffff }), window: fc.integer({ min: 1, max: 0xffff }), ackEvery: fc.integer({ min: 1, max: 0xff }), ackDelayMs: u16, fresh: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('data' as const), offset: u32, bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ kind: fc.constant('ack' as const), cumulative: u32, bitmap: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('nack' as const), code: u16, offset: u32 }),
  fc.constantFrom({ kind: 'end' as const }, { kind: 'status' as const }, { kind: 'fmap' as const }, { kind: 'factory_reset' as const }),
  fc.record({
    kind: fc.constant('done' as const), slot: u8, size: u32, crc32: u32, sha256: sha,
    counters: fc.record({ framesReceived: u32, duplicates: u32, outOfWindow: u32, crcErrors: u32, malformed: u32 }),
  }),
  fc.record({ kind: fc.constant('abort' as const), code: u16, detail: text }),
  fc.record({ kind: fc.constantFrom('rollback' as const, 'confirm' as const), slot: u8 }),
  fc.record({ kind: fc.constant('fmap_info' as const), regions: fc.array(fc.record({ name: fc.string({ maxLength: 12 }), offset: u32, size: u32 }), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('result' as const), code: u16, offset: fc.option(fc.nat(0xfffffffe), { nil: undefined }), detail: text }),
  fc.record(
    { kind: fc.constant('status_info' as const), state: fc.constantFrom('IDLE', 'RECEIVING'), session: u16, size: u32, held: u32, slots, bootCount: u32, lastError: fc.constant(null) },
    { requiredKeys: ['kind', 'state', 'session', 'size', 'held', 'slots'] },
  ),
);

const JSON_KINDS = new Set<Message['kind']>(['info', 'status_info', 'fmap_info']);
const typeArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...Object.values(MessageType)) }, { weight: 1, arbitrary: fc.nat(0xff) });

type MessagesCase =
  | { readonly kind: 'random'; readonly type: number; readonly payload: Uint8Array }
  | { readonly kind: 'valid'; readonly msg: Message }
  | { readonly kind: 'mutated'; readonly msg: Message; readonly ms: Mutation[]; readonly retype: number | undefined }
  | { readonly kind: 'json'; readonly type: number; readonly body: string };

const arbitrary: fc.Arbitrary<MessagesCase> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), type: typeArb, payload: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant('valid' as const), msg: messageArb }),
  fc.record({
    kind: fc.constant('mutated' as const),
    msg: fc.oneof(messageArb, fc.constantFrom(...examples.map((e) => e.msg))),
    ms: mutations([], 3),
    retype: fc.option(typeArb, { nil: undefined, freq: 4 }),
  }),
  fc.record({
    kind: fc.constant('json' as const),
    type: fc.constantFrom(MessageType.STATUS_INFO, MessageType.FMAP_INFO),
    body: fc.oneof(fc.json({ maxDepth: 3 }), fc.constantFrom(...examples.filter((e) => e.msg.kind === 'status_info').map((e) => JSON.stringify(e.msg)))),
  }),
);

/** Decode, and check what an accepted payload must satisfy. */
function check(type: number, payload: Uint8Array): string | undefined {
  const r = decodeMessage(type, payload);
  if (!r.ok) {
    invariant(r.detail.length > 0, 'rejection without a detail');
    return `${typeName(type)}:rejected`;
  }
  invariant(typeOfKind[r.msg.kind] === type, `type 0x${type.toString(16)} decoded as ${r.msg.kind}`);
  const again = encodeMessage(r.msg);
  if (!JSON_KINDS.has(r.msg.kind)) {
    invariant(equalBytes(again.payload, payload), `an accepted ${r.msg.kind} payload does not re-encode to its bytes`);
  } else {
    const r2 = decodeMessage(again.type, again.payload);
    invariant(r2.ok, `the re-encoding of an accepted ${r.msg.kind} is rejected: ${r2.ok ? '' : r2.detail}`);
    invariant(equalBytes(encodeMessage(r2.msg).payload, again.payload), `${r.msg.kind}: decode and re-encode is not stable`);
  }
  return undefined;
}

const typeNames = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));
function typeName(type: number): string {
  return typeNames.get(type) ?? 'unknown_type';
}

export const messagesTarget: FuzzTarget<MessagesCase> = {
  name: 'messages',
  what: 'decodeMessage on random payloads under every type, mutated encodings, random JSON bodies; decode(encode(x)) = x',
  neverThrows: true,
  arbitrary,
  run(c) {
    switch (c.kind) {
      case 'random':
        return check(c.type, c.payload);
      case 'json':
        return check(c.type, new TextEncoder().encode(c.body));
      case 'mutated': {
        const { type, payload } = encodeMessage(c.msg);
        return check(c.retype ?? type, applyMutations(payload, c.ms));
      }
      case 'valid': {
        const { type, payload } = encodeMessage(c.msg);
        const r = decodeMessage(type, payload);
        invariant(r.ok, `a valid ${c.msg.kind} was rejected: ${r.ok ? '' : r.detail}`);
        // structuredClone: fast-check's objects have a null prototype, decoded ones do not
        invariant(isDeepStrictEqual(r.msg, structuredClone(c.msg)), `decode(encode(${c.msg.kind})) differs: ${JSON.stringify(c.msg)} came back as ${JSON.stringify(r.msg)}`);
        return undefined;
      }
    }
  },
};

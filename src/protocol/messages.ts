/**
 * Payload codecs of every message (docs/protocol.md section 4). Big-endian.
 * `encodeMessage` throws ProtocolError for a value that cannot be encoded (a
 * caller bug); `decodeMessage` never throws on wire bytes: it returns a typed
 * failure naming what is wrong, which the engine counts as malformed.
 *
 * Variable parts (slot table, STATUS and FMAP bodies) are compact JSON, always
 * the last field of their payload.
 */
import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { PayloadReader, PayloadWriter, fromUtf8, utf8 } from './messages-bytes.js';
import { decodeSigs, decodeSigsInfo, decodeXdata, encodeSigs, encodeSigsInfo, encodeXdata } from './messages-delta.js';
import { decodeTrustAdd, decodeTrustInfo, encodeTrustAdd, encodeTrustInfo } from './messages-trust.js';
import { decodeBootcfgInfo, decodeBootcfgSet, encodeBootcfgInfo, encodeBootcfgSet } from './messages-bootcfg.js';
import { decodeAuditInfo, decodeNonce, encodeAuditInfo, encodeAuthBlock, encodeNonce, splitAuth } from './messages-auth.js';
import {
  BeginFlag,
  DATA_HEADER_SIZE,
  FACTORY_RESET_MAGIC,
  HoldState,
  ImageKind,
  INFO_CODECS_MARK,
  INFO_CODEC_SIZE,
  MAX_INFO_CODECS,
  MAX_LINE_RATES,
  MessageType,
  NO_OFFSET,
  SLOT_TABLE_START,
  SHA256_SIZE,
  SessionFlag,
  Size,
  typeOfKind,
} from './messages-types.js';
import type { ByteRange, CodecInfoWire, Message } from './messages-types.js';

export * from './messages-types.js';

/** Damage entries a STATUS_INFO carries at most (the target reports the first ones). */
export const MAX_STATUS_DAMAGE = 3;

const slotSchema = z.object({
  slot: z.number().int().min(0).max(254),
  state: z.string(),
  app: z.string().optional(),
  size: z.number().int().min(0).optional(),
  crc32: z.number().int().min(0).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  limits: z
    .object({ code: z.number().int().min(0), rodata: z.number().int().min(0), ram: z.number().int().min(0), stack: z.number().int().min(0) })
    .optional(),
});
const slotsSchema = z.array(slotSchema);
const regionsSchema = z.array(
  z.object({ name: z.string(), offset: z.number().int().min(0), size: z.number().int().min(0) }),
);
const statusSchema = z.object({
  state: z.string(),
  session: z.number().int().min(0).max(0xffff),
  size: z.number().int().min(0),
  held: z.number().int().min(0),
  slots: slotsSchema,
  bootCount: z.number().int().min(0).optional(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
  damage: z.array(z.object({ code: z.string(), offset: z.number().int().min(0), message: z.string() })).max(MAX_STATUS_DAMAGE).optional(),
  lastEvent: z
    .object({
      kind: z.string(),
      from: z.number().int().min(0).max(254),
      to: z.number().int().min(0).max(254),
      boots: z.number().int().min(0).optional(),
      fromApp: z.string().optional(),
      toApp: z.string().optional(),
    })
    .optional(),
  staged: z.object({ slot: z.number().int().min(0).max(254), size: z.number().int().min(0), held: z.number().int().min(0) }).optional(),
  origin: z.object({ source: z.string(), path: z.string().optional() }).optional(),
  bundle: z
    .object({
      name: z.string(),
      securityCounter: z.number().int().min(0),
      segments: z.array(z.object({ name: z.string(), kind: z.string(), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional() })),
      apps: z.array(z.string()),
    })
    .optional(),
});

/** Result of decoding one payload. */
export type DecodeResult = { readonly ok: true; readonly msg: Message } | { readonly ok: false; readonly detail: string };

function bad(detail: string): DecodeResult {
  return { ok: false, detail };
}

function check(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new ProtocolError('message_field_range', `cannot encode ${name} ${v}: outside 0..${max} (a bug in the caller)`);
  }
}

function checkSha(sha: Uint8Array): void {
  if (sha.length !== SHA256_SIZE) {
    throw new ProtocolError('message_field_range', `cannot encode a SHA-256 of ${sha.length} bytes (need ${SHA256_SIZE})`);
  }
}

function checkRates(rates: readonly number[]): void {
  check('line rate count', rates.length, MAX_LINE_RATES);
  rates.forEach((r, i) => {
    check('line rate', r, 0xffffffff);
    if (r === 0 || (i > 0 && r <= rates[i - 1]!)) {
      throw new ProtocolError('message_field_range', `cannot encode line rates ${rates.join(', ')}: they must be non-zero and strictly ascending`);
    }
  });
}

function checkCodecs(codecs: readonly CodecInfoWire[]): void {
  check('INFO codec count', codecs.length, MAX_INFO_CODECS);
  for (const c of codecs) {
    check('INFO codec id', c.id, 0xff);
    if (c.id === 0 || codecs.filter((x) => x.id === c.id).length > 1) throw new ProtocolError('message_field_range', `cannot encode INFO codec ${c.id}: 0 (none) is never listed, and no codec twice (a bug in the caller)`);
    check('INFO codec RAM', c.decoderRamBytes, 0xffffffff);
  }
}

/** INFO's optional codec table after the line rates: a byte 0xC0 + k, then k entries (id u8, decoder RAM u32). */
function decodeCodecs(r: PayloadReader, p: Uint8Array): CodecInfoWire[] | string | undefined {
  const next = p[r.offset];
  if (next === undefined || (next & 0xf0) !== INFO_CODECS_MARK) return undefined;
  const k = r.u8('codec table') - INFO_CODECS_MARK;
  if (k === 0) return 'INFO codec table lists no codec (0xC0)';
  const codecs: CodecInfoWire[] = [];
  for (let i = 0; i < k; i++) {
    const id = r.u8('codec id');
    const decoderRamBytes = r.u32('codec RAM');
    if (r.short !== undefined) return `INFO payload too short for codec ${i}`;
    if (id === 0 || codecs.some((c) => c.id === id)) return `INFO codec ${i} has id ${id}: 0 (none) or listed twice`;
    codecs.push({ id, decoderRamBytes });
  }
  return codecs;
}

/** INFO's optional line-rate list after the identity: absent when the slot table ('[') follows directly. */
function decodeRates(r: PayloadReader, p: Uint8Array): number[] | string | undefined {
  const next = p[r.offset];
  if (next === undefined || next === SLOT_TABLE_START || (next & 0xf0) === INFO_CODECS_MARK) return undefined;
  const count = r.u8('line rate count');
  if (count === 0 || count > MAX_LINE_RATES) return `INFO line rate count ${count} is not 1..${MAX_LINE_RATES}`;
  const rates: number[] = [];
  for (let i = 0; i < count; i++) {
    const rate = r.u32('line rate');
    if (r.short !== undefined) return `INFO payload too short for line rate ${i}`;
    if (rate === 0 || (i > 0 && rate <= rates[i - 1]!)) return `INFO line rate ${i} (${rate}) is zero or not above the previous one`;
    rates.push(rate);
  }
  return rates;
}

/** Encode a message: its frame type number and payload bytes. */
export function encodeMessage(msg: Message): { type: number; payload: Uint8Array } {
  const payload = encodePayload(msg);
  const auth = 'auth' in msg ? msg.auth : undefined;
  if (auth === undefined) return { type: typeOfKind[msg.kind], payload };
  return { type: typeOfKind[msg.kind], payload: new Uint8Array(Buffer.concat([payload, encodeAuthBlock(auth)])) };
}

function encodePayload(msg: Message): Uint8Array {
  switch (msg.kind) {
    case 'hello':
      check('version', msg.version, 0xff);
      check('maxChunk', msg.maxChunk, 0xffff);
      check('window', msg.window, 0xffff);
      check('maxFrame', msg.maxFrame, 0xffffffff);
      return new PayloadWriter(Size.hello).u8(msg.version).u8(0).u16(msg.maxChunk).u16(msg.window).u32(msg.maxFrame).done();
    case 'info': {
      const id = utf8(msg.identity);
      check('identity length', id.length, 0xff);
      check('nodeId', msg.nodeId, 0xff);
      check('maxChunk', msg.maxChunk, 0xffff);
      check('window', msg.window, 0xffff);
      const slots = utf8(JSON.stringify(msg.slots));
      const rates = msg.lineRates ?? [];
      checkRates(rates);
      const codecs = msg.codecs ?? [];
      checkCodecs(codecs);
      const w = new PayloadWriter(Size.infoFixed + id.length + (rates.length > 0 ? 1 + 4 * rates.length : 0) + (codecs.length > 0 ? 1 + INFO_CODEC_SIZE * codecs.length : 0) + slots.length)
        .u8(msg.version)
        .u8(msg.nodeId)
        .u16(msg.maxChunk)
        .u16(msg.window)
        .u32(msg.maxFrame)
        .u32(msg.capabilities)
        .u32(msg.framSize)
        .u8(id.length)
        .bytes(id);
      if (rates.length > 0) {
        w.u8(rates.length);
        for (const rate of rates) w.u32(rate);
      }
      if (codecs.length > 0) {
        w.u8(INFO_CODECS_MARK + codecs.length);
        for (const c of codecs) w.u8(c.id).u32(c.decoderRamBytes);
      }
      return w.bytes(slots).done();
    }
    case 'set_baud':
      check('rate', msg.rate, 0xffffffff);
      check('confirmMs', msg.confirmMs, 0xffff);
      if (msg.rate === 0 || msg.confirmMs === 0) throw new ProtocolError('message_field_range', 'cannot encode SET_BAUD with a zero rate or confirmMs (a bug in the caller)');
      return new PayloadWriter(Size.setBaud).u32(msg.rate).u16(msg.confirmMs).done();
    case 'query':
      checkSha(msg.sha256);
      return new PayloadWriter(Size.query).u32(msg.size).bytes(msg.sha256).done();
    case 'session': {
      checkSha(msg.sha256);
      check('range count', msg.ranges.length, 0xffff);
      const w = new PayloadWriter(Size.sessionFixed + Size.sessionRange * msg.ranges.length)
        .u8(msg.state)
        .u8(msg.truncated ? SessionFlag.truncated : 0)
        .u16(msg.ranges.length)
        .u32(msg.size)
        .bytes(msg.sha256);
      for (const r of msg.ranges) w.u32(r.start).u32(r.end);
      return w.done();
    }
    case 'begin':
      checkSha(msg.sha256);
      check('chunk', msg.chunk, 0xffff);
      check('window', msg.window, 0xffff);
      check('ackEvery', msg.ackEvery, 0xff);
      check('ackDelayMs', msg.ackDelayMs, 0xffff);
      check('slot', msg.slot, 0xff);
      return new PayloadWriter(Size.begin)
        .u32(msg.size)
        .u32(msg.crc32)
        .bytes(msg.sha256)
        .u8(msg.slot)
        .u8(msg.imageKind)
        .u16(msg.chunk)
        .u16(msg.window)
        .u8(msg.ackEvery)
        .u8(msg.fresh ? BeginFlag.fresh : 0)
        .u16(msg.ackDelayMs)
        .done();
    case 'sigs':
      return encodeSigs(msg);
    case 'sigs_info':
      return encodeSigsInfo(msg);
    case 'xdata':
      return encodeXdata(msg);
    case 'data':
      return new PayloadWriter(DATA_HEADER_SIZE + msg.bytes.length).u32(msg.offset).bytes(msg.bytes).done();
    case 'ack':
      check('bitmap length', msg.bitmap.length, 0xffff);
      return new PayloadWriter(Size.ackFixed + msg.bitmap.length).u32(msg.cumulative).u16(msg.bitmap.length).bytes(msg.bitmap).done();
    case 'nack':
      check('code', msg.code, 0xffff);
      return new PayloadWriter(Size.nack).u16(msg.code).u32(msg.offset).done();
    case 'end':
    case 'status':
    case 'fmap':
    case 'trust_list':
      return new Uint8Array(0);
    case 'trust_add':
      return encodeTrustAdd(msg);
    case 'bootcfg_get':
      return new Uint8Array(0);
    case 'bootcfg_set':
      return encodeBootcfgSet(msg);
    case 'bootcfg_info':
      return encodeBootcfgInfo(msg);
    case 'trust_info':
      return encodeTrustInfo(msg);
    case 'done': {
      checkSha(msg.sha256);
      const c = msg.counters;
      return new PayloadWriter(Size.done)
        .u8(msg.slot)
        .u8(0)
        .u16(0)
        .u32(msg.size)
        .u32(msg.crc32)
        .bytes(msg.sha256)
        .u32(c.framesReceived)
        .u32(c.duplicates)
        .u32(c.outOfWindow)
        .u32(c.crcErrors)
        .u32(c.malformed)
        .done();
    }
    case 'abort': {
      const d = utf8(msg.detail);
      return new PayloadWriter(Size.abortFixed + d.length).u16(msg.code).bytes(d).done();
    }
    case 'status_info':
      return utf8(
        JSON.stringify({
          state: msg.state, session: msg.session, size: msg.size, held: msg.held, slots: msg.slots, bootCount: msg.bootCount, lastError: msg.lastError,
          damage: msg.damage, lastEvent: msg.lastEvent, staged: msg.staged, bundle: msg.bundle, origin: msg.origin,
        }),
      );
    case 'rollback':
    case 'confirm':
      check('slot', msg.slot, 0xff);
      return Uint8Array.of(msg.slot);
    case 'factory_reset':
      return new PayloadWriter(Size.factoryReset).u32(FACTORY_RESET_MAGIC).done();
    case 'fmap_info':
      return utf8(JSON.stringify(msg.regions));
    case 'challenge':
    case 'audit':
      return new Uint8Array(0);
    case 'nonce':
      return encodeNonce(msg.boardId, msg.nonce, msg.lifetimeMs);
    case 'audit_info':
      return encodeAuditInfo(msg.entries);
    case 'result': {
      const d = utf8(msg.detail);
      check('code', msg.code, 0xffff);
      return new PayloadWriter(Size.resultFixed + d.length)
        .u16(msg.code)
        .u32(msg.offset ?? NO_OFFSET)
        .bytes(d)
        .done();
    }
  }
}

function parseJson<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string): T | string {
  const text = fromUtf8(bytes);
  if (text === undefined) return `${what} is not valid UTF-8`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return `${what} is not valid JSON`;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : `${what} does not match its schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
}

function finish(r: PayloadReader, msg: Message, what: string): DecodeResult {
  if (r.short !== undefined) return bad(`${what} payload too short for field ${r.short}`);
  if (r.remaining !== 0) return bad(`${what} payload has ${r.remaining} trailing bytes`);
  return { ok: true, msg };
}

function decodeRanges(r: PayloadReader, count: number, size: number): ByteRange[] | string {
  const out: ByteRange[] = [];
  let last = 0;
  for (let i = 0; i < count; i++) {
    const start = r.u32('range start');
    const end = r.u32('range end');
    if (r.short !== undefined) return `SESSION payload too short for range ${i}`;
    if (start >= end || start < last || end > size) return `SESSION range ${i} [${start}, ${end}) is empty, unsorted or beyond size ${size}`;
    last = end;
    out.push({ start, end });
  }
  return out;
}

/** Decode the payload of a frame of type `type` (an AUTH block at its end comes back as the message's `auth`). Never throws. */
export function decodeMessage(type: number, p: Uint8Array): DecodeResult {
  const split = splitAuth(type, p);
  if (split === undefined) return decodePayload(type, p);
  const d = decodePayload(type, split.payload);
  return d.ok ? { ok: true, msg: { ...d.msg, auth: split.auth } as Message } : d;
}

function decodePayload(type: number, p: Uint8Array): DecodeResult {
  const r = new PayloadReader(p);
  switch (type) {
    case MessageType.HELLO: {
      const version = r.u8('version');
      const reserved = r.u8('reserved');
      const maxChunk = r.u16('maxChunk');
      const window = r.u16('window');
      const maxFrame = r.u32('maxFrame');
      if (r.short === undefined && (reserved !== 0 || maxChunk === 0 || window === 0)) return bad('HELLO has a non-zero reserved byte, or a zero chunk or window');
      return finish(r, { kind: 'hello', version, maxChunk, window, maxFrame }, 'HELLO');
    }
    case MessageType.INFO: {
      const version = r.u8('version');
      const nodeId = r.u8('nodeId');
      const maxChunk = r.u16('maxChunk');
      const window = r.u16('window');
      const maxFrame = r.u32('maxFrame');
      const capabilities = r.u32('capabilities');
      const framSize = r.u32('framSize');
      const idLen = r.u8('identity length');
      const identity = fromUtf8(r.bytes(idLen, 'identity'));
      if (r.short !== undefined) return bad(`INFO payload too short for field ${r.short}`);
      if (identity === undefined) return bad('INFO identity is not valid UTF-8');
      if (maxChunk === 0 || window === 0) return bad('INFO has a zero chunk or window');
      const lineRates = decodeRates(r, p);
      if (typeof lineRates === 'string') return bad(lineRates);
      const codecs = decodeCodecs(r, p);
      if (typeof codecs === 'string') return bad(codecs);
      const slots = parseJson(r.rest(), slotsSchema, 'INFO slot table');
      if (typeof slots === 'string') return bad(slots);
      const base = { kind: 'info', version, nodeId, maxChunk, window, maxFrame, capabilities, framSize, identity } as const;
      return { ok: true, msg: { ...base, ...(lineRates === undefined ? {} : { lineRates }), ...(codecs === undefined ? {} : { codecs }), slots } };
    }
    case MessageType.SET_BAUD: {
      const rate = r.u32('rate');
      const confirmMs = r.u16('confirmMs');
      if (r.short === undefined && (rate === 0 || confirmMs === 0)) return bad('SET_BAUD has a zero rate or confirmMs');
      return finish(r, { kind: 'set_baud', rate, confirmMs }, 'SET_BAUD');
    }
    case MessageType.QUERY: {
      const size = r.u32('size');
      const sha256 = r.bytes(SHA256_SIZE, 'sha256');
      return finish(r, { kind: 'query', size, sha256 }, 'QUERY');
    }
    case MessageType.SESSION: {
      const state = r.u8('state');
      const flags = r.u8('flags');
      const count = r.u16('count');
      const size = r.u32('size');
      const sha256 = r.bytes(SHA256_SIZE, 'sha256');
      if (r.short !== undefined) return bad(`SESSION payload too short for field ${r.short}`);
      if (state > HoldState.other) return bad(`SESSION state ${state} is not 0..3`);
      if ((flags & ~SessionFlag.truncated) !== 0) return bad(`SESSION has undefined flag bits 0x${flags.toString(16)}`);
      const ranges = decodeRanges(r, count, size);
      if (typeof ranges === 'string') return bad(ranges);
      return finish(r, { kind: 'session', state: state as HoldState, truncated: (flags & SessionFlag.truncated) !== 0, size, sha256, ranges }, 'SESSION');
    }
    case MessageType.BEGIN: {
      const size = r.u32('size');
      const crc32 = r.u32('crc32');
      const sha256 = r.bytes(SHA256_SIZE, 'sha256');
      const slot = r.u8('slot');
      const imageKind = r.u8('kind');
      const chunk = r.u16('chunk');
      const window = r.u16('window');
      const ackEvery = r.u8('ackEvery');
      const flags = r.u8('flags');
      const ackDelayMs = r.u16('ackDelayMs');
      if (r.short === undefined) {
        if (imageKind !== ImageKind.raw && imageKind !== ImageKind.hxe && imageKind !== ImageKind.bundle) return bad(`BEGIN image kind ${imageKind} is not 0 (raw), 1 (hxe) or 2 (bundle)`);
        if (chunk === 0 || window === 0 || ackEvery === 0) return bad('BEGIN has a zero chunk, window or ackEvery');
        if ((flags & ~BeginFlag.fresh) !== 0) return bad(`BEGIN has undefined flag bits 0x${flags.toString(16)}`);
      }
      const msg: Message = { kind: 'begin', size, crc32, sha256, slot, imageKind: imageKind as ImageKind, chunk, window, ackEvery, ackDelayMs, fresh: (flags & BeginFlag.fresh) !== 0 };
      return finish(r, msg, 'BEGIN');
    }
    case MessageType.DATA: {
      const offset = r.u32('offset');
      if (r.short !== undefined || r.remaining === 0) return bad('DATA payload has no offset or no bytes');
      return { ok: true, msg: { kind: 'data', offset, bytes: r.rest() } };
    }
    case MessageType.ACK: {
      const cumulative = r.u32('cumulative');
      const n = r.u16('bitmap length');
      const bitmap = r.bytes(n, 'bitmap');
      return finish(r, { kind: 'ack', cumulative, bitmap }, 'ACK');
    }
    case MessageType.NACK: {
      const code = r.u16('code');
      const offset = r.u32('offset');
      return finish(r, { kind: 'nack', code, offset }, 'NACK');
    }
    case MessageType.END:
      return finish(r, { kind: 'end' }, 'END');
    case MessageType.STATUS:
      return finish(r, { kind: 'status' }, 'STATUS');
    case MessageType.FMAP:
      return finish(r, { kind: 'fmap' }, 'FMAP');
    case MessageType.TRUST_LIST:
      return finish(r, { kind: 'trust_list' }, 'TRUST_LIST');
    case MessageType.TRUST_ADD:
      return decodeTrustAdd(p);
    case MessageType.BOOTCFG_GET:
      return finish(r, { kind: 'bootcfg_get' }, 'BOOTCFG_GET');
    case MessageType.BOOTCFG_SET:
      return decodeBootcfgSet(p);
    case MessageType.BOOTCFG_INFO:
      return decodeBootcfgInfo(p);
    case MessageType.TRUST_INFO:
      return decodeTrustInfo(p);
    case MessageType.CHALLENGE:
      return finish(r, { kind: 'challenge' }, 'CHALLENGE');
    case MessageType.AUDIT:
      return finish(r, { kind: 'audit' }, 'AUDIT');
    case MessageType.NONCE:
      return decodeNonce(p);
    case MessageType.AUDIT_INFO:
      return decodeAuditInfo(p);
    case MessageType.SIGS:
      return decodeSigs(p);
    case MessageType.SIGS_INFO:
      return decodeSigsInfo(p);
    case MessageType.XDATA:
      return decodeXdata(p);
    case MessageType.DONE: {
      const slot = r.u8('slot');
      const reserved = r.u8('reserved') | r.u16('reserved');
      const size = r.u32('size');
      const crc32 = r.u32('crc32');
      const sha256 = r.bytes(SHA256_SIZE, 'sha256');
      const counters = {
        framesReceived: r.u32('framesReceived'),
        duplicates: r.u32('duplicates'),
        outOfWindow: r.u32('outOfWindow'),
        crcErrors: r.u32('crcErrors'),
        malformed: r.u32('malformed'),
      };
      if (r.short === undefined && reserved !== 0) return bad('DONE reserved bytes are not 0');
      return finish(r, { kind: 'done', slot, size, crc32, sha256, counters }, 'DONE');
    }
    case MessageType.ABORT: {
      const code = r.u16('code');
      if (r.short !== undefined) return bad('ABORT payload too short for field code');
      const detail = fromUtf8(r.rest());
      return detail === undefined ? bad('ABORT detail is not valid UTF-8') : { ok: true, msg: { kind: 'abort', code, detail } };
    }
    case MessageType.STATUS_INFO: {
      const s = parseJson(p, statusSchema, 'STATUS_INFO body');
      return typeof s === 'string' ? bad(s) : { ok: true, msg: { kind: 'status_info', ...s } };
    }
    case MessageType.ROLLBACK:
    case MessageType.CONFIRM: {
      const slot = r.u8('slot');
      return finish(r, { kind: type === MessageType.ROLLBACK ? 'rollback' : 'confirm', slot }, type === MessageType.ROLLBACK ? 'ROLLBACK' : 'CONFIRM');
    }
    case MessageType.FACTORY_RESET: {
      const magic = r.u32('magic');
      if (r.short === undefined && magic !== FACTORY_RESET_MAGIC) return bad(`FACTORY_RESET magic 0x${magic.toString(16)} is not 0x46525354 ("FRST")`);
      return finish(r, { kind: 'factory_reset' }, 'FACTORY_RESET');
    }
    case MessageType.FMAP_INFO: {
      const regions = parseJson(p, regionsSchema, 'FMAP_INFO body');
      return typeof regions === 'string' ? bad(regions) : { ok: true, msg: { kind: 'fmap_info', regions } };
    }
    case MessageType.RESULT: {
      const code = r.u16('code');
      const offset = r.u32('offset');
      if (r.short !== undefined) return bad(`RESULT payload too short for field ${r.short}`);
      const detail = fromUtf8(r.rest());
      if (detail === undefined) return bad('RESULT detail is not valid UTF-8');
      return { ok: true, msg: { kind: 'result', code, offset: offset === NO_OFFSET ? undefined : offset, detail } };
    }
    default:
      return bad(`unknown message type 0x${type.toString(16).padStart(2, '0')}`);
  }
}


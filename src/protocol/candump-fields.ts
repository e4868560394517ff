/**
 * The key fields of each message, for reading a capture: offsets and lengths
 * of DATA, the cumulative offset and bitmap of ACK, error code names of
 * RESULT/NACK/ABORT. One plain object per message (JSON-able), and the same
 * as `key=value` text.
 */
import { keyIdOf } from '../bundle/keys.js';
import { hex, toHex as bytesHex } from '../util/hex.js';
import { wireCodeName } from './messages-codes.js';
import { HoldState, ImageKind, MessageType, typeOfKind } from './messages-types.js';
import type { Message, MessageTypeName } from './messages-types.js';
import { sigGroups } from './messages-delta.js';

const names = new Map<number, MessageTypeName>(Object.entries(MessageType).map(([k, v]) => [v, k as MessageTypeName]));

/** "DATA", "ACK", ... for a message. */
export function messageName(msg: Message): MessageTypeName {
  return names.get(typeOfKind[msg.kind])!;
}

const hex32 = (n: number): string => hex(n >>> 0, 8);
const enumName = (table: Record<string, number>, v: number): string => Object.entries(table).find(([, n]) => n === v)?.[0] ?? String(v);

export type FieldValue = string | number | boolean | null;

/** The fields worth seeing for `msg`, in display order; a signed command ends with `auth` (the key id its AUTH block names). */
export function messageFields(msg: Message): Record<string, FieldValue> {
  const fields = ownFields(msg);
  const auth = 'auth' in msg ? msg.auth : undefined;
  return auth === undefined ? fields : { ...fields, auth: auth.keyId };
}

function ownFields(msg: Message): Record<string, FieldValue> {
  switch (msg.kind) {
    case 'hello':
      return { version: msg.version, maxFrame: msg.maxFrame, maxChunk: msg.maxChunk, window: msg.window };
    case 'info':
      return {
        nodeId: msg.nodeId,
        identity: msg.identity,
        version: msg.version,
        maxFrame: msg.maxFrame,
        maxChunk: msg.maxChunk,
        window: msg.window,
        capabilities: hex32(msg.capabilities),
        framSize: msg.framSize,
        ...(msg.lineRates === undefined ? {} : { lineRates: msg.lineRates.join(',') }),
        ...(msg.codecs === undefined ? {} : { codecs: msg.codecs.map((c) => `${c.id}:${c.decoderRamBytes}`).join(',') }),
        slots: msg.slots.length,
      };
    case 'query':
      return { size: msg.size, sha256: bytesHex(msg.sha256) };
    case 'session':
      return {
        state: enumName(HoldState, msg.state),
        size: msg.size,
        ranges: msg.ranges.map((r) => `${r.start}-${r.end}`).join(',') || '-',
        truncated: msg.truncated,
      };
    case 'begin':
      return {
        size: msg.size,
        crc32: hex32(msg.crc32),
        slot: msg.slot,
        image: enumName(ImageKind, msg.imageKind),
        chunk: msg.chunk,
        window: msg.window,
        ackEvery: msg.ackEvery,
        ackDelayMs: msg.ackDelayMs,
        fresh: msg.fresh,
        sha256: bytesHex(msg.sha256),
      };
    case 'data':
      return { offset: msg.offset, length: msg.bytes.length, end: msg.offset + msg.bytes.length };
    case 'ack':
      return { cumulative: msg.cumulative, bitmap: msg.bitmap.length === 0 ? '-' : bytesHex(msg.bitmap) };
    case 'nack':
      return { code: wireCodeName(msg.code), offset: msg.offset };
    case 'done':
      return { slot: msg.slot, size: msg.size, crc32: hex32(msg.crc32), ...msg.counters };
    case 'abort':
      return { code: wireCodeName(msg.code), detail: msg.detail };
    case 'status_info':
      return { state: msg.state, session: msg.session, size: msg.size, held: msg.held, slots: msg.slots.length };
    case 'rollback':
    case 'confirm':
      return { slot: msg.slot };
    case 'fmap_info':
      return { regions: msg.regions.map((r) => r.name).join(',') };
    case 'set_baud':
      return { rate: msg.rate, confirmMs: msg.confirmMs };
    case 'result':
      return { code: wireCodeName(msg.code), offset: msg.offset ?? null, detail: msg.detail };
    case 'trust_add':
      return { keyId: keyIdOf(msg.publicKey), requireSigned: msg.requireSigned, vendor: msg.vendor, boardClass: msg.boardClass };
    case 'trust_info':
      return { policy: msg.policy, securityCounter: msg.securityCounter, vendor: msg.vendor, boardClass: msg.boardClass, keys: msg.keyIds.join(',') || '-' };
    case 'nonce':
      return { boardId: msg.boardId, lifetimeMs: msg.lifetimeMs };
    case 'audit_info':
      return { entries: msg.entries.length };
    case 'sigs':
      return { start: msg.start, end: msg.end, blockSize: msg.blockSize, ranges: 1 + (msg.more?.length ?? 0) };
    case 'sigs_info':
      return { activeSize: msg.activeSize, blockSize: msg.blockSize, start: msg.start, sigs: sigGroups(msg).reduce((n, g) => n + g.sigs.length, 0), groups: 1 + (msg.more?.length ?? 0) };
    case 'xdata':
      return { offset: msg.offset, count: msg.count, ops: msg.ops.map((o) => o.op).join(',') };
    case 'bootcfg_set':
    case 'bootcfg_info':
      return { order: msg.order.join(','), maxBootFailures: msg.maxBootFailures, images: msg.images.join(',') || '-' };
    case 'bootcfg_get':
    case 'challenge':
    case 'audit':
    case 'trust_list':
    case 'end':
    case 'status':
    case 'fmap':
    case 'factory_reset':
      return {};
  }
}

/** `key=value` text of the fields (strings with spaces quoted). */
export function formatFields(fields: Record<string, FieldValue>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"]/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

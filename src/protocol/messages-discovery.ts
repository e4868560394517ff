/**
 * Discovery messages (docs/protocol.md sections 3.5 and 4.7): DISCOVER
 * (host -> every node, one CAN frame), ANNOUNCE (node -> host), ASSIGN (host ->
 * the node with a given hardware id) and ASSIGNED (its answer). ANNOUNCE,
 * ASSIGN and ASSIGNED are ordinary frames (section 1: header, payload,
 * CRC-32) segmented on group identifiers; DISCOVER is one 8-byte CAN frame so
 * that a node on a lossy bus misses it as rarely as possible.
 *
 * These types are kept apart from the point-to-point message set
 * (messages-types.ts): they travel on tag 0x19 identifiers only, never on a
 * node's channel. Encoders throw ProtocolError for values that cannot be
 * encoded; decoders never throw on wire bytes.
 */
import { crc32 } from 'node:zlib';
import { ProtocolError } from '../errors.js';
import { toHex } from '../util/hex.js';
import { PayloadReader, PayloadWriter, fromUtf8, utf8 } from './messages-bytes.js';
import { SHA256_SIZE } from './messages-types.js';

/** Message type numbers of discovery (0x18..0x1B; 0x1C..0x1F belong to the broadcast session). */
export const DiscoveryType = { DISCOVER: 0x18, ANNOUNCE: 0x19, ASSIGN: 0x1a, ASSIGNED: 0x1b } as const;

/** Bytes of a hardware id. */
export const HARDWARE_ID_SIZE = 16;
/** Discovery scheme version DISCOVER carries (byte 1). */
export const DISCOVERY_VERSION = 1;
/** Largest frame of a discovery message (64 segments of 8 bytes). */
export const DISCOVERY_MAX_FRAME = 512;
/** Longest state and image name an ANNOUNCE carries, UTF-8 bytes. */
export const ANNOUNCE_MAX_STATE = 16;
export const ANNOUNCE_MAX_NAME = 48;

/** What the active image is (ANNOUNCE image kind). */
export const AnnouncedImage = { none: 0, hxe: 1, bundle: 2 } as const;
export type AnnouncedImageKind = 'none' | 'hxe' | 'bundle';
const IMAGE_KINDS: readonly AnnouncedImageKind[] = ['none', 'hxe', 'bundle'];

export interface DiscoverMsg {
  /** Round number the host chose; keys and delays of the replies derive from it. */
  readonly nonce: number;
  /** Replies are spread over this many ms (delay = spreadMs x (key / 65536)). */
  readonly spreadMs: number;
}

export interface AnnounceMsg {
  /** The DISCOVER nonce this answers. */
  readonly nonce: number;
  /** The node's CAN node id, 0 when it has none. */
  readonly nodeId: number;
  /** 16 bytes, lowercase hex (32 chars). */
  readonly hardwareId: string;
  readonly protocolVersion: number;
  readonly capabilities: number;
  /** The node's state, e.g. IDLE, READY, RECOVERY. */
  readonly state: string;
  readonly image: {
    readonly kind: AnnouncedImageKind;
    /** A bundle's security counter; 0 for an HXE image (it carries no version) and for none. */
    readonly version: number;
    /** App (HXE) or bundle name; '' for none. */
    readonly name: string;
    /** 64 lowercase hex chars; null for none. */
    readonly sha256: string | null;
  };
}

export interface AssignMsg {
  readonly hardwareId: string;
  /** The node id to take, 1..254. */
  readonly nodeId: number;
}

/** ASSIGNED result codes. */
export const AssignResult = { ok: 0, inUse: 1, badId: 2, framError: 3 } as const;
export type AssignResultName = 'ok' | 'in_use' | 'bad_id' | 'fram_error';
const RESULT_NAMES: readonly AssignResultName[] = ['ok', 'in_use', 'bad_id', 'fram_error'];

export interface AssignedMsg {
  readonly hardwareId: string;
  readonly result: AssignResultName;
  /** The node's id after the request (the new one when ok, its old one otherwise). */
  readonly nodeId: number;
  /** in_use: the hardware id of the node the id belongs to, when the node knows it; else null. */
  readonly holder: string | null;
}

export type Decoded<T> = { readonly ok: true; readonly msg: T } | { readonly ok: false; readonly detail: string };

const bad = <T>(detail: string): Decoded<T> => ({ ok: false, detail });

function range(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new ProtocolError('message_field_range', `cannot encode ${name} ${v}: outside 0..${max} (a bug in the caller)`);
  }
}

function hexBytes(name: string, hex: string, size: number): Uint8Array {
  if (hex.length !== size * 2 || !/^[0-9a-f]*$/.test(hex)) {
    throw new ProtocolError('message_field_range', `cannot encode ${name} "${hex}": need ${size * 2} lowercase hex digits`);
  }
  return Uint8Array.from({ length: size }, (_, i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function shortString(name: string, s: string, max: number): Uint8Array {
  const b = utf8(s);
  if (b.length > max) throw new ProtocolError('message_field_range', `cannot encode ${name} "${s}": ${b.length} UTF-8 bytes, at most ${max}`);
  return b;
}

/** The 8 data bytes of the DISCOVER CAN frame: type 0x18, version, nonce u32, spreadMs u16. */
export function encodeDiscover(m: DiscoverMsg): Uint8Array {
  range('nonce', m.nonce, 0xffffffff);
  range('spreadMs', m.spreadMs, 0xffff);
  return new PayloadWriter(8).u8(DiscoveryType.DISCOVER).u8(DISCOVERY_VERSION).u32(m.nonce).u16(m.spreadMs).done().slice();
}

/** Read a DISCOVER frame's data; undefined for anything else (another first byte, another version, another length). */
export function decodeDiscover(data: Uint8Array): DiscoverMsg | undefined {
  if (data.length !== 8 || data[0] !== DiscoveryType.DISCOVER || data[1] !== DISCOVERY_VERSION) return undefined;
  const r = new PayloadReader(data.subarray(2));
  return { nonce: r.u32('nonce'), spreadMs: r.u16('spreadMs') };
}

export function encodeAnnounce(m: AnnounceMsg): Uint8Array {
  range('nonce', m.nonce, 0xffffffff);
  range('node id', m.nodeId, 254);
  range('protocol version', m.protocolVersion, 0xff);
  range('capabilities', m.capabilities >>> 0, 0xffffffff);
  range('image version', m.image.version, 0xffffffff);
  const state = shortString('state', m.state, ANNOUNCE_MAX_STATE);
  const name = shortString('image name', m.image.name, ANNOUNCE_MAX_NAME);
  const sha = m.image.sha256 === null ? new Uint8Array(SHA256_SIZE) : hexBytes('image sha256', m.image.sha256, SHA256_SIZE);
  return new PayloadWriter(200)
    .u32(m.nonce)
    .u8(m.nodeId)
    .bytes(hexBytes('hardware id', m.hardwareId, HARDWARE_ID_SIZE))
    .u8(m.protocolVersion)
    .u32(m.capabilities >>> 0)
    .u8(state.length)
    .bytes(state)
    .u8(IMAGE_KINDS.indexOf(m.image.kind))
    .u32(m.image.version)
    .bytes(sha)
    .u8(name.length)
    .bytes(name)
    .done()
    .slice();
}

export function decodeAnnounce(p: Uint8Array): Decoded<AnnounceMsg> {
  const r = new PayloadReader(p);
  const nonce = r.u32('nonce');
  const nodeId = r.u8('node id');
  const hw = r.bytes(HARDWARE_ID_SIZE, 'hardware id');
  const protocolVersion = r.u8('protocol version');
  const capabilities = r.u32('capabilities');
  const state = fromUtf8(r.bytes(r.u8('state length'), 'state'));
  const kindCode = r.u8('image kind');
  const version = r.u32('image version');
  const sha = r.bytes(SHA256_SIZE, 'image sha256');
  const name = fromUtf8(r.bytes(r.u8('image name length'), 'image name'));
  if (r.short !== undefined) return bad(`ANNOUNCE too short for its ${r.short}`);
  if (r.remaining !== 0) return bad(`ANNOUNCE has ${r.remaining} bytes after the image name`);
  if (nodeId > 254) return bad(`ANNOUNCE node id ${nodeId} is outside 0..254`);
  const kind = IMAGE_KINDS[kindCode];
  if (kind === undefined) return bad(`ANNOUNCE image kind ${kindCode} is not 0 (none), 1 (hxe) or 2 (bundle)`);
  if (state === undefined || name === undefined) return bad('ANNOUNCE state or image name is not valid UTF-8');
  return {
    ok: true,
    msg: {
      nonce,
      nodeId,
      hardwareId: toHex(hw),
      protocolVersion,
      capabilities,
      state,
      image: { kind, version, name, sha256: kind === 'none' ? null : toHex(sha) },
    },
  };
}

export function encodeAssign(m: AssignMsg): Uint8Array {
  range('node id', m.nodeId, 254);
  return new PayloadWriter(17).bytes(hexBytes('hardware id', m.hardwareId, HARDWARE_ID_SIZE)).u8(m.nodeId).done().slice();
}

export function decodeAssign(p: Uint8Array): Decoded<AssignMsg> {
  if (p.length !== 17) return bad(`ASSIGN payload is ${p.length} bytes, not 17`);
  return { ok: true, msg: { hardwareId: toHex(p.subarray(0, 16)), nodeId: p[16]! } };
}

export function encodeAssigned(m: AssignedMsg): Uint8Array {
  range('node id', m.nodeId, 254);
  const holder = m.holder === null ? new Uint8Array(HARDWARE_ID_SIZE) : hexBytes('holder', m.holder, HARDWARE_ID_SIZE);
  return new PayloadWriter(34)
    .bytes(hexBytes('hardware id', m.hardwareId, HARDWARE_ID_SIZE))
    .u8(RESULT_NAMES.indexOf(m.result))
    .u8(m.nodeId)
    .bytes(holder)
    .done()
    .slice();
}

export function decodeAssigned(p: Uint8Array): Decoded<AssignedMsg> {
  if (p.length !== 34) return bad(`ASSIGNED payload is ${p.length} bytes, not 34`);
  const result = RESULT_NAMES[p[16]!];
  if (result === undefined) return bad(`ASSIGNED result ${p[16]} is not 0..3`);
  const holder = p.subarray(18, 34);
  return {
    ok: true,
    msg: { hardwareId: toHex(p.subarray(0, 16)), result, nodeId: p[17]!, holder: holder.every((b) => b === 0) ? null : toHex(holder) },
  };
}

/**
 * A node's reply key for a round: the low 16 bits of CRC-32 (the frame
 * CRC's polynomial) over the nonce (u32, big-endian) followed by the 16-byte
 * hardware id. ASSIGNED uses nonce 0.
 */
export function replyKey(nonce: number, hardwareId: string): number {
  const b = new Uint8Array(4 + HARDWARE_ID_SIZE);
  new DataView(b.buffer).setUint32(0, nonce >>> 0);
  b.set(hexBytes('hardware id', hardwareId, HARDWARE_ID_SIZE), 4);
  return crc32(b) & 0xffff;
}

/** How long a node waits after DISCOVER before its ANNOUNCE: spreadMs x key / 65536, ms. */
export function replyDelayMs(spreadMs: number, key: number): number {
  return (spreadMs * key) / 65536;
}

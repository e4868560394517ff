/**
 * Broadcast provisioning on CAN (docs/protocol.md section 8): identifiers and
 * the single-CAN-frame messages of one master and many listeners.
 *
 * Every broadcast message is exactly one CAN frame with a 29-bit group
 * identifier (tag 0x19, kind 2 "group data": src/protocol/can-id.ts), so a
 * lost CAN frame costs that message only (a hilbridge frame of n segments is
 * lost with probability 1 - (1 - p)^n; at 20 % loss a 12-segment frame would
 * almost never arrive):
 *
 *   bits 28..24 tag 0x19 | bits 23..22 kind 2 | bits 21..20 sub | bits 19..0 by sub
 *     sub 0 REPLY    (listener -> master): bits 15..8 node, bits 7..0 reply code
 *     sub 1 CTRL     (master -> listeners): bits 15..8 node (0 = every node of the session), bits 7..0 op
 *     sub 2 ANNOUNCE (master -> group): bits 7..0 part number
 *     sub 3 DATA     (master -> group): bits 19..0 block index
 *
 * The subs stand for message types 0x1C..0x1F (docs/protocol.md section 8).
 * Discovery's requests and replies (kinds 0 and 1) win arbitration over all
 * of it; within it replies win over the master's control and data.
 */
import type { CanFrame } from '../../transports/types.js';
import { CAN_GROUP_TAG, GroupKind, decodeGroupCanId, groupCanId } from '../can-id.js';
import { fromHex, toHex } from '../../util/hex.js';

export const BCAST_TAG = CAN_GROUP_TAG;

/** Bits 21..20 of a group-data identifier. */
export enum BcastKind {
  Reply = 0,
  Ctrl = 1,
  Announce = 2,
  Data = 3,
}

export enum CtrlOp {
  Join = 1,
  Poll = 2,
  Verify = 3,
  Commit = 4,
  Abort = 5,
}

export enum ReplyCode {
  Ready = 1,
  Refuse = 2,
  Detail = 3,
  Map = 4,
  MapEnd = 5,
  Verified = 6,
  Committed = 7,
  Failed = 8,
  Aborted = 9,
  Unknown = 10,
}

/** Announce parts: 0 size/kind/section, 1 CRC/block/flags, 2..7 SHA-256 (6 bytes each, the last 2). */
export const ANNOUNCE_PARTS = 8;
/** Largest block index (20 bits). */
export const MAX_BLOCKS = 1 << 20;
/** Detail text of a refusal: at most this many bytes, 5 per DETAIL frame. */
export const MAX_DETAIL = 200;
/** Missing ranges a listener lists per POLL (two per MAP frame). */
export const MAP_RANGES = 16;

export interface Announce {
  readonly session: number;
  readonly size: number;
  /** Image kind as BEGIN carries it (1 HXE, 2 bundle). */
  readonly kind: number;
  /** Blocks per section, a power of two. */
  readonly sectionLog2: number;
  readonly crc32: number;
  /** Bytes per DATA frame: 8 (classic) or 64 (FD). */
  readonly blockSize: number;
  readonly allOrNone: boolean;
  readonly sha256: string;
}

const id = (kind: BcastKind, low: number): number => groupCanId(GroupKind.groupData, (kind << 20) | (low & 0xfffff));

function frame(kind: BcastKind, low: number, data: Uint8Array, fd = false): CanFrame {
  return { id: id(kind, low), extended: true, fd, data };
}

function bytes(n: number, fill: (v: DataView) => void): Uint8Array {
  const b = new Uint8Array(n);
  fill(new DataView(b.buffer));
  return b;
}

/** Which broadcast kind a CAN frame is, or undefined if it is not broadcast traffic. */
export function bcastKind(f: CanFrame): { kind: BcastKind; low: number } | undefined {
  const g = decodeGroupCanId(f.id, f.extended);
  if (g?.kind !== GroupKind.groupData) return undefined;
  return { kind: ((g.low >>> 20) & 3) as BcastKind, low: g.low & 0xfffff };
}

export function announceFrames(a: Announce): CanFrame[] {
  const sha = fromHex(a.sha256);
  const out: CanFrame[] = [
    frame(BcastKind.Announce, 0, bytes(8, (v) => (v.setUint16(0, a.session), v.setUint32(2, a.size), v.setUint8(6, a.kind), v.setUint8(7, a.sectionLog2)))),
    frame(BcastKind.Announce, 1, bytes(8, (v) => (v.setUint16(0, a.session), v.setUint32(2, a.crc32 >>> 0), v.setUint8(6, a.blockSize), v.setUint8(7, a.allOrNone ? 1 : 0)))),
  ];
  for (let p = 2; p < ANNOUNCE_PARTS; p++) {
    const part = sha.subarray((p - 2) * 6, (p - 1) * 6);
    const b = new Uint8Array(2 + part.length);
    new DataView(b.buffer).setUint16(0, a.session);
    b.set(part, 2);
    out.push(frame(BcastKind.Announce, p, b));
  }
  return out;
}

/** Collects announce parts of one session (a part of another session starts over). */
export class AnnounceParts {
  private session = -1;
  private readonly parts = new Map<number, Uint8Array>();

  /** Returns the announce once every part of its session is in. */
  push(part: number, data: Uint8Array): Announce | undefined {
    if (data.length < 2 || part >= ANNOUNCE_PARTS) return undefined;
    const s = (data[0]! << 8) | data[1]!;
    if (s !== this.session) {
      this.session = s;
      this.parts.clear();
    }
    const want = part < 2 ? 8 : part < ANNOUNCE_PARTS - 1 ? 8 : 4;
    if (data.length !== want) return undefined;
    this.parts.set(part, data.slice());
    return this.complete();
  }

  private complete(): Announce | undefined {
    if (this.parts.size < ANNOUNCE_PARTS) return undefined;
    const p0 = new DataView(this.parts.get(0)!.buffer);
    const p1 = new DataView(this.parts.get(1)!.buffer);
    const sha: Uint8Array[] = [];
    for (let p = 2; p < ANNOUNCE_PARTS; p++) sha.push(this.parts.get(p)!.subarray(2));
    const blockSize = p1.getUint8(6);
    const sectionLog2 = p0.getUint8(7);
    if ((blockSize !== 8 && blockSize !== 64) || sectionLog2 > 20) return undefined;
    return {
      session: this.session,
      size: p0.getUint32(2),
      kind: p0.getUint8(6),
      sectionLog2,
      crc32: p1.getUint32(2),
      blockSize,
      allOrNone: (p1.getUint8(7) & 1) !== 0,
      sha256: toHex(Uint8Array.from(sha.flatMap((b) => [...b]))),
    };
  }
}

/** CTRL to `node` (0 = every node of the session). */
export function ctrlFrame(node: number, op: CtrlOp, session: number, arg = 0): CanFrame {
  return frame(BcastKind.Ctrl, (node << 8) | op, bytes(6, (v) => (v.setUint16(0, session), v.setUint32(2, arg >>> 0))));
}

export interface Ctrl {
  readonly node: number;
  readonly op: CtrlOp;
  readonly session: number;
  readonly arg: number;
}

export function decodeCtrl(low: number, data: Uint8Array): Ctrl | undefined {
  if (data.length !== 6) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.length);
  const op = low & 0xff;
  if (op < (CtrlOp.Join as number) || op > (CtrlOp.Abort as number)) return undefined;
  return { node: (low >> 8) & 0xff, op: op as CtrlOp, session: v.getUint16(0), arg: v.getUint32(2) };
}

/** A group DATA frame: block `index` of the image (`data` is that block; FD pads it to a valid length with 0xCC). */
export function dataFrame(index: number, data: Uint8Array, fd: boolean): CanFrame {
  let d = data;
  if (fd && data.length > 8) {
    const len = [12, 16, 20, 24, 32, 48, 64].find((l) => l >= data.length)!;
    d = new Uint8Array(len).fill(0xcc);
    d.set(data);
  }
  return frame(BcastKind.Data, index, d, fd);
}

/** A listener's reply: code in the identifier, session first in the data. */
export function replyFrame(node: number, code: ReplyCode, session: number, body: Uint8Array = new Uint8Array(0)): CanFrame {
  const d = new Uint8Array(2 + body.length);
  new DataView(d.buffer).setUint16(0, session);
  d.set(body, 2);
  return frame(BcastKind.Reply, (node << 8) | code, d);
}

export interface Reply {
  readonly node: number;
  readonly code: ReplyCode;
  readonly session: number;
  /** The bytes after the session. */
  readonly body: DataView;
}

/** MAP carries no session (it answers the POLL in flight): session is reported as -1 and the body is the whole data. */
export function decodeReply(low: number, data: Uint8Array): Reply | undefined {
  const code = low & 0xff;
  if (code < (ReplyCode.Ready as number) || code > (ReplyCode.Unknown as number)) return undefined;
  const node = (low >> 8) & 0xff;
  if (code === (ReplyCode.Map as number)) {
    if (data.length !== 4 && data.length !== 8) return undefined;
    return { node, code: ReplyCode.Map, session: -1, body: new DataView(data.buffer, data.byteOffset, data.length) };
  }
  if (data.length < 2) return undefined;
  const body = new DataView(data.buffer, data.byteOffset + 2, data.length - 2);
  return { node, code: code as ReplyCode, session: (data[0]! << 8) | data[1]!, body };
}

/** A MAP frame: one or two missing runs, each (first block u24, blocks u8 1..255). */
export function mapFrame(node: number, runs: readonly { start: number; count: number }[]): CanFrame {
  const d = new Uint8Array(4 * runs.length);
  const v = new DataView(d.buffer);
  runs.forEach((r, i) => {
    putU24(v, 4 * i, r.start);
    v.setUint8(4 * i + 3, r.count);
  });
  return frame(BcastKind.Reply, (node << 8) | ReplyCode.Map, d);
}

/** Missing block ranges as MAP runs (each at most 255 blocks), two per frame. */
export function mapRuns(ranges: readonly { start: number; end: number }[]): { start: number; count: number }[][] {
  const runs: { start: number; count: number }[] = [];
  for (const r of ranges) for (let s = r.start; s < r.end; s += 255) runs.push({ start: s, count: Math.min(255, r.end - s) });
  const frames: { start: number; count: number }[][] = [];
  for (let i = 0; i < runs.length; i += 2) frames.push(runs.slice(i, i + 2));
  return frames;
}

export const u24 = (v: DataView, at: number): number => (v.getUint8(at) << 16) | v.getUint16(at + 1);
export function putU24(v: DataView, at: number, n: number): void {
  v.setUint8(at, (n >>> 16) & 0xff);
  v.setUint16(at + 1, n & 0xffff);
}

/** READY: rate u32 (frames/s the listener reads, 0 = no limit). */
export const readyBody = (rate: number): Uint8Array => bytes(4, (v) => v.setUint32(0, rate >>> 0));
/** REFUSE / FAILED: code u16, detail length u8 (the text follows in DETAIL frames). */
export const verdictBody = (code: number, detailLength: number): Uint8Array => bytes(3, (v) => (v.setUint16(0, code), v.setUint8(2, detailLength)));
/** DETAIL: part u8, up to 5 bytes of UTF-8. */
export function detailBodies(text: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i * 5 < text.length; i++) {
    const b = new Uint8Array(1 + Math.min(5, text.length - i * 5));
    b[0] = i;
    b.set(text.subarray(i * 5, i * 5 + 5), 1);
    out.push(b);
  }
  return out;
}
/** MAP_END: MAP frames sent u8, more u8 (1 = more missing ranges than listed). */
export const mapEndBody = (ranges: number, more: boolean): Uint8Array => bytes(2, (v) => (v.setUint8(0, ranges), v.setUint8(1, more ? 1 : 0)));
/** VERIFIED: CRC-32 computed u32. COMMITTED: slot u8, CRC-32 u32. */
export const verifiedBody = (crc: number): Uint8Array => bytes(4, (v) => v.setUint32(0, crc >>> 0));
export const committedBody = (slot: number, crc: number): Uint8Array => bytes(5, (v) => (v.setUint8(0, slot), v.setUint32(1, crc >>> 0)));

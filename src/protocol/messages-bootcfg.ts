/**
 * The boot configuration messages (docs/protocol.md 4.3.5): BOOTCFG_SET
 * (state-changing: under a `signed` trust store it carries an AUTH block,
 * 4.3.4), BOOTCFG_GET (empty) and BOOTCFG_INFO. Big-endian, fixed layouts.
 *
 * Configuration body (66 bytes, BOOTCFG_SET's payload and BOOTCFG_INFO at +1):
 *   +0  order count n u8 (1..3)
 *   +1  3 x source u8 (1 host preload, 2 SD card, 3 CAN/UART master; the first n used, the rest 0)
 *   +4  max boot failures u8 (1..255): trial boots before the board falls back
 *   +5  image count m u8 (0..3)
 *   +6  3 x image name [20] (printable ASCII without spaces, zero-padded; the first m used, the rest zero)
 * BOOTCFG_INFO: flags u8 (bit 0 stored: the board holds a configuration, else
 * these are its defaults) | the configuration body | failed count k u8 (0..2)
 * | k x SHA-256 prefix [8] of images that failed their trial boots.
 */
import { ProtocolError } from '../errors.js';
import { PayloadReader, PayloadWriter } from './messages-bytes.js';
import type { AuthBlock } from './messages-auth-types.js';

export const BOOT_SOURCE_IDS = { host: 1, sd: 2, can: 3 } as const;
export type BootSourceName = keyof typeof BOOT_SOURCE_IDS;
const SOURCE_NAMES: readonly BootSourceName[] = ['host', 'sd', 'can'];
export const BOOTCFG_NAME_SIZE = 20;
export const BOOTCFG_MAX_IMAGES = 3;
export const BOOTCFG_MAX_FAILED = 2;
/** Bytes of the configuration body (BOOTCFG_SET's whole payload). */
export const BOOTCFG_BODY_SIZE = 6 + BOOTCFG_MAX_IMAGES * BOOTCFG_NAME_SIZE;
export const BootcfgFlag = { stored: 0x01 } as const;

const NAME_RULE = /^[\x21-\x7e]{1,20}$/;

export interface BootcfgBody {
  readonly order: readonly BootSourceName[];
  readonly maxBootFailures: number;
  readonly images: readonly string[];
}

/** BOOTCFG_SET: store this boot configuration (answered RESULT). */
export interface BootcfgSetMsg extends BootcfgBody {
  readonly kind: 'bootcfg_set';
  readonly auth?: AuthBlock | undefined;
}

/** BOOTCFG_GET: "send me your boot configuration" (answered BOOTCFG_INFO). */
export interface BootcfgGetMsg {
  readonly kind: 'bootcfg_get';
}

/** BOOTCFG_INFO: the boot configuration in effect. */
export interface BootcfgInfoMsg extends BootcfgBody {
  readonly kind: 'bootcfg_info';
  /** False when the board holds none and reports its defaults. */
  readonly stored: boolean;
  /** SHA-256 prefixes (16 lowercase hex digits) of images that failed their trial boots. */
  readonly failed: readonly string[];
}

type Decoded = { readonly ok: true; readonly msg: BootcfgSetMsg | BootcfgInfoMsg } | { readonly ok: false; readonly detail: string };

function encodeBody(what: string, b: BootcfgBody): Uint8Array {
  const bad = (why: string): never => {
    throw new ProtocolError('message_field_range', `cannot encode ${what}: ${why} (a bug in the caller)`);
  };
  if (b.order.length < 1 || b.order.length > 3) bad(`${b.order.length} sources in the order; 1..3`);
  if (!Number.isInteger(b.maxBootFailures) || b.maxBootFailures < 1 || b.maxBootFailures > 255) bad(`max boot failures ${b.maxBootFailures} is not 1..255`);
  if (b.images.length > BOOTCFG_MAX_IMAGES) bad(`${b.images.length} images; at most ${BOOTCFG_MAX_IMAGES}`);
  const w = new PayloadWriter(BOOTCFG_BODY_SIZE).u8(b.order.length);
  for (let i = 0; i < 3; i++) w.u8(b.order[i] === undefined ? 0 : BOOT_SOURCE_IDS[b.order[i]!]);
  w.u8(b.maxBootFailures).u8(b.images.length);
  for (let i = 0; i < BOOTCFG_MAX_IMAGES; i++) {
    const name = b.images[i] ?? '';
    if (i < b.images.length && !NAME_RULE.test(name)) bad(`image name ${JSON.stringify(name)} is not 1..${BOOTCFG_NAME_SIZE} printable ASCII characters without spaces`);
    const field = new Uint8Array(BOOTCFG_NAME_SIZE);
    field.set(Buffer.from(name, 'latin1'));
    w.bytes(field);
  }
  return w.done();
}

function decodeBody(r: PayloadReader, what: string): BootcfgBody | string {
  const n = r.u8('order count');
  const ids = [r.u8('source'), r.u8('source'), r.u8('source')];
  const maxBootFailures = r.u8('max boot failures');
  const m = r.u8('image count');
  const fields: Uint8Array[] = [];
  for (let i = 0; i < BOOTCFG_MAX_IMAGES; i++) fields.push(r.bytes(BOOTCFG_NAME_SIZE, 'image name'));
  if (r.short !== undefined) return `${what} payload too short for field ${r.short}`;
  if (n < 1 || n > 3) return `${what} order count ${n} is not 1..3`;
  if (ids.slice(n).some((id) => id !== 0)) return `${what} has a source after the ${n} the order count says`;
  const order: BootSourceName[] = [];
  for (const id of ids.slice(0, n)) {
    const s = SOURCE_NAMES[id - 1];
    if (s === undefined) return `${what} source ${id} is not 1 (host), 2 (sd) or 3 (can)`;
    order.push(s);
  }
  if (maxBootFailures === 0) return `${what} max boot failures is 0; it must be 1..255`;
  if (m > BOOTCFG_MAX_IMAGES) return `${what} image count ${m} is above ${BOOTCFG_MAX_IMAGES}`;
  const images: string[] = [];
  for (let i = 0; i < BOOTCFG_MAX_IMAGES; i++) {
    const f = fields[i]!;
    const end = f.indexOf(0);
    const len = end < 0 ? f.length : end;
    if (f.subarray(len).some((x) => x !== 0)) return `${what} image name ${i + 1} has non-zero bytes after its terminating zero`;
    const text = Buffer.from(f.subarray(0, len)).toString('latin1');
    if (i >= m) {
      if (len !== 0) return `${what} image name ${i + 1} is set but the image count is ${m}`;
      continue;
    }
    if (!NAME_RULE.test(text)) return `${what} image name ${i + 1} is not 1..${BOOTCFG_NAME_SIZE} printable ASCII characters without spaces`;
    images.push(text);
  }
  return { order, maxBootFailures, images };
}

export function encodeBootcfgSet(msg: BootcfgSetMsg): Uint8Array {
  return encodeBody('BOOTCFG_SET', msg);
}

export function encodeBootcfgInfo(msg: BootcfgInfoMsg): Uint8Array {
  if (msg.failed.length > BOOTCFG_MAX_FAILED || msg.failed.some((f) => !/^[0-9a-f]{16}$/.test(f))) {
    throw new ProtocolError('message_field_range', `cannot encode BOOTCFG_INFO: at most ${BOOTCFG_MAX_FAILED} failed images, each 16 lowercase hex digits (a bug in the caller)`);
  }
  const w = new PayloadWriter(1 + BOOTCFG_BODY_SIZE + 1 + 8 * msg.failed.length).u8(msg.stored ? BootcfgFlag.stored : 0).bytes(encodeBody('BOOTCFG_INFO', msg)).u8(msg.failed.length);
  for (const f of msg.failed) w.bytes(Buffer.from(f, 'hex'));
  return w.done();
}

export function decodeBootcfgSet(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const body = decodeBody(r, 'BOOTCFG_SET');
  if (typeof body === 'string') return { ok: false, detail: body };
  if (r.remaining !== 0) return { ok: false, detail: `BOOTCFG_SET payload has ${r.remaining} trailing bytes` };
  return { ok: true, msg: { kind: 'bootcfg_set', ...body } };
}

export function decodeBootcfgInfo(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const flags = r.u8('flags');
  const body = decodeBody(r, 'BOOTCFG_INFO');
  if (typeof body === 'string') return { ok: false, detail: body };
  const k = r.u8('failed count');
  if (r.short !== undefined) return { ok: false, detail: `BOOTCFG_INFO payload too short for field ${r.short}` };
  if ((flags & ~BootcfgFlag.stored) !== 0) return { ok: false, detail: `BOOTCFG_INFO has undefined flag bits 0x${flags.toString(16)}` };
  if (k > BOOTCFG_MAX_FAILED) return { ok: false, detail: `BOOTCFG_INFO failed count ${k} is above ${BOOTCFG_MAX_FAILED}` };
  const failed: string[] = [];
  if (r.remaining < 8 * k) return { ok: false, detail: `BOOTCFG_INFO payload too short for its ${k} failed images` };
  for (let i = 0; i < k; i++) failed.push(Buffer.from(r.bytes(8, 'failed image')).toString('hex'));
  if (r.remaining !== 0) return { ok: false, detail: `BOOTCFG_INFO payload has ${r.remaining} trailing bytes` };
  return { ok: true, msg: { kind: 'bootcfg_info', stored: (flags & BootcfgFlag.stored) !== 0, ...body, failed } };
}

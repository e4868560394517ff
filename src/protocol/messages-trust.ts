/**
 * Codecs of the trust store messages (docs/protocol.md 4.3.3): TRUST_ADD,
 * TRUST_LIST (empty) and TRUST_INFO. Big-endian, fixed fields; vendor and
 * board class are printable ASCII, zero-padded to 24 bytes (empty = any).
 */
import { ProtocolError } from '../errors.js';
import { PayloadReader, PayloadWriter, fromUtf8, utf8 } from './messages-bytes.js';
import { MAX_TRUST_KEYS, Size, TRUST_KEY_ED25519, TRUST_NAME_SIZE, TrustFlag } from './messages-types.js';
import type { Message, TrustAddMsg, TrustInfoMsg } from './messages-types.js';

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Why `text` cannot be a vendor or board class field, or undefined when it can. */
export function trustNameProblem(text: string): string | undefined {
  if (!PRINTABLE.test(text)) return 'must be printable ASCII';
  if (text.length > TRUST_NAME_SIZE) return `is ${text.length} characters; at most ${TRUST_NAME_SIZE}`;
  return undefined;
}

function nameField(what: string, text: string): Uint8Array {
  const problem = trustNameProblem(text);
  if (problem !== undefined) throw new ProtocolError('message_field_range', `cannot encode ${what} ${JSON.stringify(text)}: it ${problem} (a bug in the caller)`);
  const out = new Uint8Array(TRUST_NAME_SIZE);
  out.set(utf8(text));
  return out;
}

/** A zero-padded ASCII field, or a string saying what is wrong. */
function readName(bytes: Uint8Array, what: string): { text: string } | string {
  const end = bytes.indexOf(0);
  const len = end < 0 ? bytes.length : end;
  if (bytes.subarray(len).some((b) => b !== 0)) return `${what} has non-zero bytes after its terminating zero`;
  const text = fromUtf8(bytes.subarray(0, len)) ?? '';
  return PRINTABLE.test(text) && text.length === len ? { text } : `${what} is not printable ASCII`;
}

export function encodeTrustAdd(msg: TrustAddMsg): Uint8Array {
  if (msg.publicKey.length !== 32) throw new ProtocolError('message_field_range', `cannot encode a ${msg.publicKey.length}-byte public key in TRUST_ADD (need 32)`);
  return new PayloadWriter(Size.trustAdd)
    .u8(msg.requireSigned ? TrustFlag.requireSigned : 0)
    .u8(TRUST_KEY_ED25519)
    .bytes(msg.publicKey)
    .bytes(nameField('vendor', msg.vendor))
    .bytes(nameField('board class', msg.boardClass))
    .done();
}

export function encodeTrustInfo(msg: TrustInfoMsg): Uint8Array {
  if (msg.keyIds.length > MAX_TRUST_KEYS) throw new ProtocolError('message_field_range', `cannot encode ${msg.keyIds.length} key ids in TRUST_INFO (at most ${MAX_TRUST_KEYS})`);
  if (!/^[0-9a-f]{32}$/.test(msg.boardId) || msg.keyIds.some((k) => !/^[0-9a-f]{16}$/.test(k))) {
    throw new ProtocolError('message_field_range', 'cannot encode TRUST_INFO: the board id must be 32 and each key id 16 lowercase hex digits (a bug in the caller)');
  }
  const note = utf8(msg.note);
  const w = new PayloadWriter(Size.trustInfoFixed + Size.keyId * msg.keyIds.length + note.length)
    .bytes(Buffer.from(msg.boardId, 'hex'))
    .u8(msg.policy === 'signed' ? 1 : 0)
    .u32(msg.securityCounter)
    .bytes(nameField('vendor', msg.vendor))
    .bytes(nameField('board class', msg.boardClass))
    .u8(msg.keyIds.length);
  for (const k of msg.keyIds) w.bytes(Buffer.from(k, 'hex'));
  return w.bytes(note).done();
}

type Decoded = { readonly ok: true; readonly msg: Message } | { readonly ok: false; readonly detail: string };

export function decodeTrustAdd(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const flags = r.u8('flags');
  const keyType = r.u8('key type');
  const publicKey = r.bytes(32, 'public key');
  const vendor = readName(r.bytes(TRUST_NAME_SIZE, 'vendor'), 'TRUST_ADD vendor');
  const boardClass = readName(r.bytes(TRUST_NAME_SIZE, 'board class'), 'TRUST_ADD board class');
  if (r.short !== undefined) return { ok: false, detail: `TRUST_ADD payload too short for field ${r.short}` };
  if (r.remaining !== 0) return { ok: false, detail: `TRUST_ADD payload has ${r.remaining} trailing bytes` };
  if ((flags & ~TrustFlag.requireSigned) !== 0) return { ok: false, detail: `TRUST_ADD has undefined flag bits 0x${flags.toString(16)}` };
  if (keyType !== TRUST_KEY_ED25519) return { ok: false, detail: `TRUST_ADD key type ${keyType} is not 1 (Ed25519)` };
  if (typeof vendor === 'string') return { ok: false, detail: vendor };
  if (typeof boardClass === 'string') return { ok: false, detail: boardClass };
  return { ok: true, msg: { kind: 'trust_add', requireSigned: (flags & TrustFlag.requireSigned) !== 0, publicKey: new Uint8Array(publicKey), vendor: vendor.text, boardClass: boardClass.text } };
}

export function decodeTrustInfo(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const boardId = Buffer.from(r.bytes(16, 'board id')).toString('hex');
  const policy = r.u8('policy');
  const securityCounter = r.u32('security counter');
  const vendor = readName(r.bytes(TRUST_NAME_SIZE, 'vendor'), 'TRUST_INFO vendor');
  const boardClass = readName(r.bytes(TRUST_NAME_SIZE, 'board class'), 'TRUST_INFO board class');
  const count = r.u8('key count');
  if (r.short !== undefined) return { ok: false, detail: `TRUST_INFO payload too short for field ${r.short}` };
  if (policy > 1) return { ok: false, detail: `TRUST_INFO policy ${policy} is not 0 (open) or 1 (signed)` };
  if (count > MAX_TRUST_KEYS) return { ok: false, detail: `TRUST_INFO key count ${count} is above ${MAX_TRUST_KEYS}` };
  if (typeof vendor === 'string') return { ok: false, detail: vendor };
  if (typeof boardClass === 'string') return { ok: false, detail: boardClass };
  const keyIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.bytes(Size.keyId, 'key id');
    if (r.short !== undefined) return { ok: false, detail: `TRUST_INFO payload too short for key id ${i}` };
    keyIds.push(Buffer.from(id).toString('hex'));
  }
  const note = fromUtf8(r.rest());
  if (note === undefined) return { ok: false, detail: 'TRUST_INFO note is not valid UTF-8' };
  return { ok: true, msg: { kind: 'trust_info', boardId, policy: policy === 1 ? 'signed' : 'open', securityCounter, vendor: vendor.text, boardClass: boardClass.text, keyIds, note } };
}

/**
 * Authenticated commands on the wire (docs/protocol.md 4.3.4): CHALLENGE /
 * NONCE, the AUTH block a state-changing command carries after its payload,
 * the bytes its signature covers, and AUDIT / AUDIT_INFO.
 *
 * AUTH block (92 bytes, the last bytes of the payload):
 *   +0  magic "AUTH" (0x41555448)
 *   +4  key id [8]
 *   +12 nonce [16] (the one NONCE gave)
 *   +28 Ed25519 signature [64] over authSignedBytes(board id, nonce, type, payload without the block)
 * The payload in front of it is the command's own, byte for byte.
 */
import { PayloadReader, PayloadWriter } from './messages-bytes.js';
import { MessageType, Size } from './messages-types.js';
import type { AuditEntryWire, AuthBlock, Message, MessageKind } from './messages-types.js';

export const AUTH_MAGIC = 0x41555448; // "AUTH"
export const NONCE_SIZE = 16;
export const SIGNATURE_SIZE = 64;
export const AUTH_BLOCK_SIZE = 4 + Size.keyId + NONCE_SIZE + SIGNATURE_SIZE; // 92
/** Domain separation: a signature over a command can never be taken for one over a bundle manifest, or another protocol's. */
export const AUTH_DOMAIN = 'hilbridge-auth-v1\0';
/** Entries AUDIT_INFO carries at most (the board's ring holds 16). */
export const MAX_AUDIT_ENTRIES = 16;

/** The commands that change state and, under a `signed` trust store, need an AUTH block. */
export const AUTHENTICATED_KINDS = ['begin', 'abort', 'rollback', 'confirm', 'factory_reset', 'set_baud', 'trust_add', 'bootcfg_set'] as const;
export type AuthenticatedKind = (typeof AUTHENTICATED_KINDS)[number];

const AUTHENTICATED_TYPES: ReadonlySet<number> = new Set([
  MessageType.BEGIN, MessageType.ABORT, MessageType.ROLLBACK, MessageType.CONFIRM, MessageType.FACTORY_RESET, MessageType.SET_BAUD, MessageType.TRUST_ADD, MessageType.BOOTCFG_SET,
]);

export function isAuthenticatedKind(kind: MessageKind): kind is AuthenticatedKind {
  return (AUTHENTICATED_KINDS as readonly string[]).includes(kind);
}

/** How the wire names a command in messages ("ROLLBACK"). */
export function commandName(type: number): string {
  const e = Object.entries(MessageType).find(([, n]) => n === type);
  return e === undefined ? `type 0x${type.toString(16).padStart(2, '0')}` : e[0];
}

/** The bytes an AUTH block's signature covers: domain string, board id (16), nonce, type (1), the command's payload. */
export function authSignedBytes(boardId: string, nonce: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const domain = Buffer.from(AUTH_DOMAIN, 'latin1');
  const id = Buffer.from(boardId, 'hex');
  return new Uint8Array(Buffer.concat([domain, id, nonce, Uint8Array.of(type), payload]));
}

export function encodeAuthBlock(a: AuthBlock): Uint8Array {
  return new PayloadWriter(AUTH_BLOCK_SIZE).u32(AUTH_MAGIC).bytes(Buffer.from(a.keyId, 'hex').subarray(0, Size.keyId)).bytes(a.nonce).bytes(a.signature).done();
}

/**
 * Split an AUTH block off the end of a payload of an authenticated command
 * type: the command's own payload and the block, or undefined when there is
 * none (no magic at its place). Never throws.
 */
export function splitAuth(type: number, p: Uint8Array): { payload: Uint8Array; auth: AuthBlock } | undefined {
  if (!AUTHENTICATED_TYPES.has(type) || p.length < AUTH_BLOCK_SIZE) return undefined;
  const at = p.length - AUTH_BLOCK_SIZE;
  const r = new PayloadReader(p.subarray(at));
  if (r.u32('magic') !== AUTH_MAGIC) return undefined;
  const keyId = Buffer.from(r.bytes(Size.keyId, 'key id')).toString('hex');
  const nonce = new Uint8Array(r.bytes(NONCE_SIZE, 'nonce'));
  const signature = new Uint8Array(r.bytes(SIGNATURE_SIZE, 'signature'));
  return { payload: p.subarray(0, at), auth: { keyId, nonce, signature } };
}

type Decoded = { readonly ok: true; readonly msg: Message } | { readonly ok: false; readonly detail: string };

export function encodeNonce(boardId: string, nonce: Uint8Array, lifetimeMs: number): Uint8Array {
  return new PayloadWriter(Size.nonce).bytes(Buffer.from(boardId, 'hex').subarray(0, 16)).bytes(nonce.subarray(0, NONCE_SIZE)).u32(lifetimeMs).done();
}

export function decodeNonce(p: Uint8Array): Decoded {
  if (p.length !== Size.nonce) return { ok: false, detail: `NONCE payload is ${p.length} bytes; it must be ${Size.nonce}` };
  const r = new PayloadReader(p);
  const boardId = Buffer.from(r.bytes(16, 'board id')).toString('hex');
  const nonce = new Uint8Array(r.bytes(NONCE_SIZE, 'nonce'));
  const lifetimeMs = r.u32('lifetimeMs');
  return { ok: true, msg: { kind: 'nonce', boardId, nonce, lifetimeMs } };
}

export function encodeAuditInfo(entries: readonly AuditEntryWire[]): Uint8Array {
  const list = entries.slice(-MAX_AUDIT_ENTRIES);
  const w = new PayloadWriter(1 + Size.auditEntry * list.length).u8(list.length);
  for (const e of list) w.bytes(encodeAuditEntry(e));
  return w.done();
}

/** One entry, 20 bytes: seq u32, boot u32, kind u8, type u8, code u16, key id [8] (also the FRAM ring's entry body). */
export function encodeAuditEntry(e: AuditEntryWire): Uint8Array {
  return new PayloadWriter(Size.auditEntry).u32(e.seq).u32(e.boot).u8(e.kind).u8(e.type).u16(e.code).bytes(Buffer.from(e.keyId, 'hex').subarray(0, Size.keyId)).done();
}

export function decodeAuditEntry(b: Uint8Array): AuditEntryWire {
  const r = new PayloadReader(b);
  return { seq: r.u32('seq'), boot: r.u32('boot'), kind: r.u8('kind'), type: r.u8('type'), code: r.u16('code'), keyId: Buffer.from(r.bytes(Size.keyId, 'key id')).toString('hex').padEnd(16, '0') };
}

export function decodeAuditInfo(p: Uint8Array): Decoded {
  const count = p[0];
  if (count === undefined) return { ok: false, detail: 'AUDIT_INFO payload too short for field count' };
  if (count > MAX_AUDIT_ENTRIES) return { ok: false, detail: `AUDIT_INFO count ${count} is above ${MAX_AUDIT_ENTRIES}` };
  if (p.length !== 1 + Size.auditEntry * count) return { ok: false, detail: `AUDIT_INFO payload is ${p.length} bytes; ${count} entries need ${1 + Size.auditEntry * count}` };
  const entries: AuditEntryWire[] = [];
  for (let i = 0; i < count; i++) entries.push(decodeAuditEntry(p.subarray(1 + Size.auditEntry * i, 1 + Size.auditEntry * (i + 1))));
  return { ok: true, msg: { kind: 'audit_info', entries } };
}

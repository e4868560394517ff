/**
 * The host's side of authenticated commands (docs/protocol.md 4.3.4): ask
 * the target for a nonce (CHALLENGE), then attach an AUTH block signed over
 * the domain string, the board id, the nonce and the command's exact bytes.
 * The signer holds the private key; only its key id and the signature ever
 * reach the wire, a capture or an event.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { authSignedBytes } from '../messages-auth.js';
import { encodeMessage } from '../messages.js';
import { TargetError } from '../messages-codes.js';
import type { AuditEntryWire, Message, NonceMsg } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { request } from './request.js';
import { REQUEST_DEFAULTS } from './request-timing.js';

/** Signs command bytes with one Ed25519 key (the bundle library's SigningKey fits). */
export interface CommandSigner {
  /** 16 lowercase hex chars. */
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
}

export interface AuthOptions {
  readonly signer?: CommandSigner | undefined;
  readonly scheduler?: SchedulerLike;
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/** A fresh nonce from the target (CHALLENGE); a target without authenticated commands answers ENOTSUP. */
export function challenge(channel: FrameChannel, o: AuthOptions = {}): Promise<NonceMsg> {
  return request(channel, { kind: 'challenge' }, ['nonce'], {
    scheduler: o.scheduler ?? asyncScheduler, timeoutMs: o.timeoutMs ?? REQUEST_DEFAULTS.timeoutMs, tries: o.tries, what: 'CHALLENGE',
  });
}

/** `msg` with an AUTH block for the nonce `n` (no I/O). */
export function attachAuth<M extends Message>(msg: M, n: Pick<NonceMsg, 'boardId' | 'nonce'>, signer: CommandSigner): M {
  const { type, payload } = encodeMessage({ ...msg, auth: undefined } as Message);
  return { ...msg, auth: { keyId: signer.keyId, nonce: n.nonce, signature: signer.sign(authSignedBytes(n.boardId, n.nonce, type, payload)) } };
}

/** `msg` signed for this target (a CHALLENGE first), or `msg` itself when there is no signer. */
export async function signCommand<M extends Message>(channel: FrameChannel, msg: M, o: AuthOptions): Promise<M> {
  if (o.signer === undefined) return msg;
  let n: NonceMsg;
  try {
    n = await challenge(channel, o);
  } catch (e) {
    if (e instanceof TargetError && e.code === 'ENOTSUP') return msg; // a target without authenticated commands: nothing to prove
    throw e;
  }
  return attachAuth(msg, n, o.signer);
}

/** The board's audit ring, oldest first (AUDIT). */
export async function auditTrail(channel: FrameChannel, o: AuthOptions = {}): Promise<readonly AuditEntryWire[]> {
  const r = await request(channel, { kind: 'audit' }, ['audit_info'], {
    scheduler: o.scheduler ?? asyncScheduler, timeoutMs: o.timeoutMs ?? REQUEST_DEFAULTS.timeoutMs, tries: o.tries, what: 'AUDIT',
  });
  return r.entries;
}

/**
 * Authenticated commands on the board (docs/security.md, docs/protocol.md
 * 4.3.4). The board keeps one live nonce in RAM: CHALLENGE replaces it, any
 * authenticated attempt uses it up (good or bad), it expires after
 * NONCE_LIFETIME_MS, and a reboot (a new VirtualBoard) forgets it.
 *
 * When the trust store holds a key and its policy is `signed`, every
 * state-changing command must carry an AUTH block whose key is in the store,
 * whose nonce is the live one and whose Ed25519 signature covers the domain
 * string, this board's id, the nonce and the command's exact bytes. TRUST_ADD
 * needs it whenever the store holds a key (whatever the policy): that is how
 * a further key is added to a provisioned board. Otherwise nothing changes
 * (an AUTH block is not checked). Every verdict under the rule, and every
 * trust change, goes into the FRAM audit ring.
 */
import { randomBytes } from 'node:crypto';
import type { SchedulerLike } from 'rxjs';
import { verifySignature } from '../bundle/keys.js';
import { OffsetError } from '../errors.js';
import { AuditKind, type AuditKindName, type Fram } from '../fram/index.js';
import { authSignedBytes, commandName, NONCE_SIZE } from '../protocol/messages-auth.js';
import { WireCode } from '../protocol/messages-codes.js';
import { MessageType, type AuditEntryWire } from '../protocol/messages-types.js';
import type { AuthCommand, NonceGrant } from '../protocol/image-sink.js';
import { equalBytes, fromHex } from '../util/hex.js';
import { BoardError, framOp } from './errors.js';

/** How long a nonce stays live, ms. */
export const NONCE_LIFETIME_MS = 30_000;

export type AuthRefusalCode = 'auth_required' | 'auth_failed' | 'nonce_stale' | 'key_untrusted';

/** An authenticated command refused; the message names the board, the command and what to do. */
export class AuthRefusal extends OffsetError<AuthRefusalCode> {}

const NO_KEY = '0000000000000000';

export class BoardAuth {
  private live: { nonce: Uint8Array; expires: number } | undefined;
  /** The type of the last command authorised, until the board consumes it (TRUST_ADD of a further key). */
  private granted: number | undefined;

  constructor(
    private readonly fram: Fram,
    private readonly board: string,
    private readonly scheduler: SchedulerLike,
    private readonly boot: () => number,
    private readonly lifetimeMs = NONCE_LIFETIME_MS,
  ) {}

  /** A fresh nonce (the previous one, if any, is dead from now on). */
  challenge(): NonceGrant {
    const t = framOp('CHALLENGE', () => this.fram.trust());
    if (t === null) throw new BoardError('EIO', 'CHALLENGE: the trust area holds no valid copy: check the FRAM (hilbridge fmap)');
    const nonce = new Uint8Array(randomBytes(NONCE_SIZE));
    this.live = { nonce, expires: this.scheduler.now() + this.lifetimeMs };
    return { boardId: t.boardId, nonce, lifetimeMs: this.lifetimeMs };
  }

  /** True when `type` needs an AUTH block on this board now. */
  required(type: number): boolean {
    const t = this.fram.trust();
    if (t === null || t.keys.length === 0) return false;
    return type === MessageType.TRUST_ADD || t.policy === 'signed';
  }

  /** Let the command run, or throw AuthRefusal (the nonce is used up by any attempt). */
  authorise(cmd: AuthCommand): void {
    this.granted = undefined;
    if (!this.required(cmd.type)) return;
    const t = this.fram.trust()!;
    const name = commandName(cmd.type);
    const auth = cmd.auth;
    if (auth === undefined) {
      return this.refuse(cmd.type, NO_KEY, 'auth_required', `${this.board} requires an authenticated ${name}: pass --key <file> or set HILBRIDGE_SIGNING_KEY (a key of its trust store: ${t.keys.map((k) => k.keyId).join(', ')})`);
    }
    const live = this.live;
    this.live = undefined;
    if (live === undefined || this.scheduler.now() > live.expires || !equalBytes(live.nonce, auth.nonce)) {
      const why = live === undefined ? 'the board holds no live nonce (used, never asked for, or the board restarted)' : this.scheduler.now() > live.expires ? `the nonce expired after ${this.lifetimeMs} ms` : 'it is not the nonce the board issued last';
      return this.refuse(cmd.type, auth.keyId, 'nonce_stale', `${this.board} refuses the ${name}: ${why}; a recorded command cannot be replayed: ask for a new CHALLENGE and sign again`);
    }
    const key = t.keys.find((k) => k.keyId === auth.keyId);
    if (key === undefined) {
      return this.refuse(cmd.type, auth.keyId, 'key_untrusted', `${this.board} refuses the ${name}: key ${auth.keyId} is not in its trust store (${t.keys.map((k) => k.keyId).join(', ')})`);
    }
    if (!verifySignature(fromHex(key.publicKey), authSignedBytes(t.boardId, auth.nonce, cmd.type, cmd.payload), auth.signature)) {
      return this.refuse(cmd.type, auth.keyId, 'auth_failed', `${this.board} refuses the ${name}: the signature by key ${auth.keyId} does not verify over this board's id, its nonce and these command bytes (signed for another board or another command)`);
    }
    this.record('accepted', cmd.type, WireCode.OK, auth.keyId);
    this.granted = cmd.type;
  }

  /** True (once) when the last command authorised was of `type`. */
  consumeGrant(type: number): boolean {
    const g = this.granted === type;
    this.granted = undefined;
    return g;
  }

  record(kind: AuditKindName, type: number, code: number, keyId: string): void {
    const e: Omit<AuditEntryWire, 'seq'> = { boot: this.boot(), kind: AuditKind[kind], type, code, keyId };
    framOp('audit', () => this.fram.appendAudit(e));
  }

  private refuse(type: number, keyId: string, code: AuthRefusalCode, message: string): never {
    this.record('refused', type, WireCode[code], keyId);
    throw new AuthRefusal(code, message);
  }
}

/**
 * The typed structure of the authenticated-command messages
 * (docs/protocol.md 4.3.4): the AUTH block, CHALLENGE/NONCE and
 * AUDIT/AUDIT_INFO. Codecs live in messages-auth.ts.
 */

/**
 * The AUTH block a state-changing command may carry after its payload
 * (docs/protocol.md 4.3.4): key id, the board's nonce, and an Ed25519
 * signature over the domain string, board id, nonce, type and payload.
 */
export interface AuthBlock {
  /** 16 lowercase hex chars. */
  readonly keyId: string;
  /** The nonce the board issued (NONCE_SIZE bytes). */
  readonly nonce: Uint8Array;
  /** 64 bytes. */
  readonly signature: Uint8Array;
}

/** CHALLENGE: "give me a single-use nonce" (answered NONCE). */
export interface ChallengeMsg {
  readonly kind: 'challenge';
}

/** NONCE: the board's id and a fresh nonce, valid for one authenticated command within `lifetimeMs`. */
export interface NonceMsg {
  readonly kind: 'nonce';
  /** 16 bytes, lowercase hex. */
  readonly boardId: string;
  readonly nonce: Uint8Array;
  readonly lifetimeMs: number;
}

/** AUDIT: "send me the audit ring" (answered AUDIT_INFO). */
export interface AuditMsg {
  readonly kind: 'audit';
}

/** One security event of the board's audit ring (docs/fram.md). */
export interface AuditEntryWire {
  /** Ever-increasing event number. */
  readonly seq: number;
  /** The board's boot count when it was written. */
  readonly boot: number;
  /** 1 accepted, 2 refused, 3 trust_changed (other values may come). */
  readonly kind: number;
  /** Message type of the command. */
  readonly type: number;
  /** Wire code of the verdict (0 = accepted). */
  readonly code: number;
  /** Key id, 16 lowercase hex chars; all zero when none. */
  readonly keyId: string;
}

/** AUDIT_INFO: the audit ring, oldest first. */
export interface AuditInfoMsg {
  readonly kind: 'audit_info';
  readonly entries: readonly AuditEntryWire[];
}

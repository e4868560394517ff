/** The line of `hilbridge status --audit`: the board's audit ring of security events. */
import { z } from 'zod';
import { Count } from './common.js';

export const AuditEntry = z.strictObject({
  /** Ever-increasing event number. */
  seq: Count,
  /** The board's power-on number when it was written (events of one power-on share it). */
  powerOn: Count,
  /** accepted: an authenticated command ran; refused: one was refused; trust_changed: a key was added (kind_<n> for kinds this hilbridge does not know). */
  kind: z.string(),
  /** The command's message name (ROLLBACK, BEGIN, TRUST_ADD, ...). */
  command: z.string(),
  /** The verdict's wire code name: OK, auth_required, nonce_stale, key_untrusted, auth_failed. */
  code: z.string(),
  /** The key id the command was signed with (trust_changed: the key added); null when none. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/).nullable(),
});

/** status --audit: the audit ring, oldest first (AUDIT -> AUDIT_INFO). */
export const AuditLine = z.strictObject({
  event: z.literal('audit'),
  link: z.string(),
  nodeId: Count,
  entries: z.array(AuditEntry),
});

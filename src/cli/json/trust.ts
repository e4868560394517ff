/** Lines of `hilbridge trust` (list, add). */
import { z } from 'zod';
import { Count } from './common.js';

const KeyId = z.string().regex(/^[0-9a-f]{16}$/).describe('key id: first 8 bytes of SHA-256 of the raw Ed25519 public key, 16 lowercase hex digits');
const Policy = z.enum(['open', 'signed']);

/** trust list: the board's trust store (TRUST_LIST -> TRUST_INFO). */
export const TrustLine = z.strictObject({
  event: z.literal('trust'),
  link: z.string(),
  nodeId: Count,
  boardId: z.string().regex(/^[0-9a-f]{32}$/),
  policy: Policy,
  securityCounter: Count,
  /** '' = any vendor. */
  vendor: z.string(),
  /** '' = any board class. */
  boardClass: z.string(),
  keyIds: z.array(KeyId),
  /** Why the image the board runs would be refused by its policy now; null when it passes. */
  note: z.string().nullable(),
});

/** trust add: the key written into the board's empty trust store (TRUST_ADD). */
export const TrustAddedLine = z.strictObject({
  event: z.literal('trust_added'),
  link: z.string(),
  nodeId: Count,
  keyId: KeyId,
  policy: Policy,
  vendor: z.string(),
  boardClass: z.string(),
  /** The board's words. */
  message: z.string(),
});

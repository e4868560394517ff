/**
 * TRUST_ADD of a further key to a provisioned trust store: allowed only when
 * the command was authorised by a key the store already holds (auth.ts). The
 * new key is appended; the policy can only be raised to `signed`; vendor and
 * board class stay (a request naming others is refused).
 */
import { keyIdOf, loadPublicKey } from '../bundle/index.js';
import type { Fram } from '../fram/index.js';
import { MAX_TRUST_KEYS } from '../protocol/messages-types.js';
import type { TrustAddRequest } from '../protocol/image-sink.js';
import { toHex } from '../util/hex.js';
import { BoardError, framOp } from './errors.js';

export function addFurtherKey(fram: Fram, board: string, req: TrustAddRequest): string {
  const t = framOp('TRUST_ADD', () => fram.trust());
  if (t === null) throw new BoardError('EIO', 'TRUST_ADD: the trust area holds no valid copy: check the FRAM (hilbridge fmap)');
  let keyId: string;
  try {
    keyId = loadPublicKey(toHex(req.publicKey), 'TRUST_ADD public key').keyId;
  } catch (e) {
    throw new BoardError('EINVAL', `TRUST_ADD: the public key (key id ${keyIdOf(req.publicKey)}) is not a valid Ed25519 key`, undefined, { cause: e });
  }
  if (t.keys.some((k) => k.keyId === keyId)) return `nothing to add: key ${keyId} is already in ${board}'s trust store`;
  if (t.keys.length >= MAX_TRUST_KEYS) throw new BoardError('ENOSPC', `TRUST_ADD: ${board}'s trust store holds ${MAX_TRUST_KEYS} keys already (${t.keys.map((k) => k.keyId).join(', ')})`);
  if ((req.vendor !== '' && req.vendor !== t.vendor) || (req.boardClass !== '' && req.boardClass !== t.boardClass)) {
    throw new BoardError('EINVAL', `TRUST_ADD: ${board} has vendor "${t.vendor}" and board class "${t.boardClass}"; a further key cannot change them (leave --vendor and --board-class out)`);
  }
  const policy = req.requireSigned || t.policy === 'signed' ? ('signed' as const) : ('open' as const);
  framOp('TRUST_ADD', () => fram.writeTrust({ ...t, policy, keys: [...t.keys, { keyId, publicKey: toHex(req.publicKey) }] }));
  return `key ${keyId} added (${t.keys.length + 1} keys); image policy ${policy}`;
}

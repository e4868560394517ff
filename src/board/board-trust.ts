/**
 * The board's trust store commands (TRUST_LIST, TRUST_ADD): what it holds,
 * and provisioning at manufacturing. TRUST_ADD writes only an empty store
 * (no key, open policy, counter 0, no vendor or class); a provisioned one
 * refuses with `auth_required`: changing it needs an authenticated command,
 * which a later version adds (docs/security.md).
 */
import { keyIdOf, loadPublicKey } from '../bundle/index.js';
import { emptyTrust, type Fram, trustStoreEmpty } from '../fram/index.js';
import type { TrustAddRequest, TrustStoreInfo } from '../protocol/image-sink.js';
import { toHex } from '../util/hex.js';
import { BoardError, framOp } from './errors.js';
import { TrustRefusal } from './trust-policy.js';

export function trustInfo(fram: Fram, violation: string | null): TrustStoreInfo {
  const t = framOp('TRUST_LIST', () => fram.trust());
  if (t === null) throw new BoardError('EIO', 'TRUST_LIST: the trust area holds no valid copy: check the FRAM (hilbridge fmap)');
  return {
    boardId: t.boardId,
    policy: t.policy,
    securityCounter: t.securityCounter,
    vendor: t.vendor,
    boardClass: t.boardClass,
    keyIds: t.keys.map((k) => k.keyId),
    note: violation ?? '',
  };
}

/** Write the first key, the policy, vendor and board class into an empty trust store; returns what was done, in words. */
export function addTrust(fram: Fram, board: string, req: TrustAddRequest): string {
  const current = framOp('TRUST_ADD', () => fram.trust());
  if (current === null) throw new BoardError('EIO', 'TRUST_ADD: the trust area holds no valid copy: check the FRAM (hilbridge fmap)');
  if (!trustStoreEmpty(current)) {
    const keys = current.keys.map((k) => k.keyId).join(', ') || 'none';
    throw new TrustRefusal(
      'auth_required',
      `${board}'s trust store is already provisioned (policy ${current.policy}, keys: ${keys}): adding a key to a provisioned board needs an authenticated command, which a later version of hilbridge adds`,
    );
  }
  const hex = toHex(req.publicKey);
  let keyId: string;
  try {
    keyId = loadPublicKey(hex, 'TRUST_ADD public key').keyId;
  } catch (e) {
    throw new BoardError('EINVAL', `TRUST_ADD: the public key (key id ${keyIdOf(req.publicKey)}) is not a valid Ed25519 key`, undefined, { cause: e });
  }
  const next = { ...emptyTrust(current.boardId), policy: req.requireSigned ? ('signed' as const) : ('open' as const), vendor: req.vendor, boardClass: req.boardClass, keys: [{ keyId, publicKey: hex }] };
  framOp('TRUST_ADD', () => fram.writeTrust(next));
  const scope = [req.vendor === '' ? '' : `vendor "${req.vendor}"`, req.boardClass === '' ? '' : `board class "${req.boardClass}"`].filter(Boolean).join(', ');
  return `key ${keyId} added; image policy ${next.policy}${scope === '' ? '' : `; ${scope}`}`;
}

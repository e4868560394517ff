/**
 * The target's error codes on the wire (docs/protocol.md section 4.4): one
 * numeric table shared by RESULT, NACK, ABORT and DONE, and the error class
 * the host raises when the target reports one.
 *
 * Ranges: 0 success; 0x0001-0x00FF transport/session errors (errno-like);
 * 0x0100-0x01FF the HXE verifier's codes (src/hxe/errors.ts); 0x0200-0x02FF
 * policy codes; 0x0300-0x03FF bundle codes; 0x0400-0x04FF image policy and
 * trust store codes (docs/protocol.md 4.3.3); 0x0500-0x05FF authenticated commands (4.3.4); 0x0600-0x06FF delta and compressed transfers (9); 0x0700-0x07FF boot configuration (4.3.5); 0xFFFF an error this table does not know (detail says which).
 */
import { HilbridgeError } from '../errors.js';

export const WireCode = {
  OK: 0x0000,
  EBADMSG: 0x0001, // payload malformed, bad offset/length, field out of range
  ENOSPC: 0x0002, // image larger than the slot / FRAM
  ESRCH: 0x0003, // no such session (never begun, timed out, or target restarted)
  EBUSY: 0x0004, // another session or operation is in progress
  EEXIST: 0x0005, // the image is already installed in that slot
  EIO: 0x0006, // storage write/read failed
  ECANCELED: 0x0007, // the session was aborted
  ETIMEDOUT: 0x0008, // the target's session timeout expired
  EINPROGRESS: 0x0009, // verify/commit still running: ask again later
  EAGAIN: 0x000a, // END before every byte is held: see the ACK that follows
  ENOTSUP: 0x000b, // message type or option not supported by this target
  EINVAL: 0x000c, // request valid on the wire but not acceptable (bad slot, chunk size)
  sha256_mismatch: 0x0100, // received bytes do not hash to BEGIN's SHA-256
  crc_mismatch: 0x0101,
  bad_magic: 0x0102,
  unsupported_version: 0x0103,
  truncated: 0x0104,
  size_mismatch: 0x0105,
  entry_out_of_range: 0x0106,
  misaligned: 0x0107,
  section_out_of_bounds: 0x0108,
  meta_overlaps_rodata: 0x0109,
  duplicate_id: 0x010a,
  bad_string: 0x010b,
  bad_app_name: 0x010c,
  bad_mailbox_json: 0x010d,
  bad_mailbox: 0x010e,
  duplicate_mailbox: 0x010f,
  truncated_section: 0x0110,
  reserved_not_zero: 0x0111,
  too_large: 0x0112,
  missing_capability: 0x0200,
  over_budget: 0x0201,
  bad_bundle: 0x0300, // a bundle's header, manifest, digests or a segment failed the board's checks (detail: the segment and the check)
  bundle_unsupported: 0x0301, // BEGIN announces a bundle to a board whose loader does not take bundles
  image_unsigned: 0x0400, // the board's policy is signed; this image (an HXE image, an unsigned bundle) is not
  unknown_key: 0x0401, // the bundle is signed by a key not in the board's trust store (detail names the key id)
  bad_signature: 0x0402, // the bundle's signature does not verify over its manifest (changed after signing)
  counter_too_low: 0x0403, // the bundle's security counter is below the board's stored minimum
  class_mismatch: 0x0404, // the bundle's vendor or board class is not the board's
  auth_required: 0x0405, // the board requires an authenticated command (AUTH block, docs/protocol.md 4.3.4) and this one carries none
  auth_failed: 0x0500, // the AUTH block's signature does not verify (signed for another board, another command, or changed)
  nonce_stale: 0x0501, // the AUTH block's nonce is not the board's live one (used, replaced, expired, or the board restarted)
  key_untrusted: 0x0502, // the AUTH block names a key that is not in the board's trust store
  bad_delta: 0x0600, // an XDATA's operations do not build its chunks exactly (copy outside the active image, lengths, count beyond the window): docs/protocol.md 9
  bad_packed: 0x0601, // a compressed XDATA operation does not decompress to its declared length (corrupt or hostile): docs/protocol.md 9
  codec_unsupported: 0x0602, // an XDATA operation names a codec this board does not decode
  no_active_image: 0x0603, // SIGS or a copy from the active slot while the board has no valid active image
  bootcfg_invalid: 0x0700, // BOOTCFG_SET names a source twice or an image twice (docs/protocol.md 4.3.5)
  unknown: 0xffff,
} as const;

export type WireCodeName = keyof typeof WireCode;

const byNumber = new Map<number, WireCodeName>(
  (Object.entries(WireCode) as [WireCodeName, number][]).map(([name, n]) => [n, name]),
);

/** Numeric wire code for an error code name; `unknown` (0xFFFF) for names not in the table. */
export function wireCodeOf(name: string): number {
  return Object.hasOwn(WireCode, name) ? WireCode[name as WireCodeName] : WireCode.unknown;
}

/** Name of a numeric wire code, or `code_0x....` for numbers not in the table. */
export function wireCodeName(n: number): string {
  return byNumber.get(n) ?? `code_0x${n.toString(16).padStart(4, '0')}`;
}

/** What to check, per code, for messages a bench engineer reads. */
const hints: Partial<Record<WireCodeName, string>> = {
  ENOSPC: 'the image is larger than the target slot: check the slot and FRAM size (hilbridge status, hilbridge fmap)',
  EBUSY: 'the target is busy (a transfer, a verification, or an image on trial awaiting confirm or rollback): check hilbridge status',
  ESRCH: 'the target has no such session (restarted or timed out): run the transfer again to resume',
  ECANCELED: 'the session was aborted: run the transfer again',
  ETIMEDOUT: "the target's session timeout expired: check the link speed against the image size",
  EIO: "the target's storage failed: check the board's FRAM",
  sha256_mismatch: 'the bytes the target holds differ from the image: run the transfer again',
  missing_capability: 'the image needs a capability the board lacks (hilbridge inspect)',
  over_budget: "the image exceeds the board's resource budget (hilbridge inspect)",
  bad_bundle: 'the board refused the bundle (detail names the segment and the check): check it with hilbridge image verify',
  image_unsigned: 'the board takes only bundles signed by a key of its trust store (hilbridge trust list): sign the image with hilbridge sign --key',
  unknown_key: "sign the bundle with a key of the board's trust store (hilbridge trust list shows their ids)",
  counter_too_low: "rebuild the bundle with a security counter at least the board's (hilbridge trust list)",
  class_mismatch: "build the bundle for this board's vendor and board class (hilbridge trust list)",
  auth_required: 'the board takes this command only signed by a key of its trust store: pass --key <file> or set HILBRIDGE_SIGNING_KEY',
  auth_failed: 'the signature was made for another board or another command: run the command again with the right --key',
  nonce_stale: "the board's challenge was used, replaced or expired: run the command again (hilbridge asks for a new one)",
  bad_delta: 'the host built a copy the board cannot make (or the board changed since the signatures): flash again with --no-delta',
  bad_packed: 'a compressed chunk did not decompress: flash again (or with --no-compress)',
  codec_unsupported: 'the board does not decode that codec: flash with --no-compress',
  bootcfg_invalid: 'name each source and each image at most once (hilbridge bootcfg set --order host,sd,can)',
  key_untrusted: "sign with a key of the board's trust store (hilbridge trust list shows their ids)",
};

/**
 * The target reported an error code. `code` is the wire code's name
 * (`ENOSPC`, `crc_mismatch`, ...); `offset` the image byte offset the target
 * blamed, if any; `link` names the peer and link.
 */
export class TargetError extends HilbridgeError {
  readonly wireCode: number;
  readonly offset: number | undefined;
  readonly link: string;

  constructor(wireCode: number, link: string, what: string, detail: string, offset?: number) {
    const name = wireCodeName(wireCode);
    const at = offset === undefined ? '' : ` at byte 0x${offset.toString(16)}`;
    const hint = hints[name as WireCodeName];
    super(name, `${what}: ${link} answered ${name}${at}${detail ? ` (${detail})` : ''}${hint ? `: ${hint}` : ''}`);
    this.wireCode = wireCode;
    this.offset = offset;
    this.link = link;
  }

  protected override details(): Record<string, unknown> {
    return { link: this.link, wireCode: this.wireCode, offset: this.offset ?? null };
  }
}

/**
 * The board's image policy from its trust store (src/fram/trust.ts): under
 * `signed` an HXE image or an unsigned bundle is refused, and so is a bundle
 * signed by a key the store does not hold; under either policy a bundle
 * whose security counter is below the stored one, or whose vendor or board
 * class differs from the board's (when the board has one), is refused.
 *
 * The loader applies the rules as early as the bytes allow: the image kind
 * at BEGIN, counter/vendor/class and whether a trailer follows as soon as
 * the manifest is in, the signer at the end, and all of them once more in
 * the FRAM commit check. The boot check applies them to the active image
 * and reports (does not refuse) an image that no longer passes.
 */
import type { BundleInfo, BundleManifest, PublicKey } from '../bundle/index.js';
import { isHilbridgeError, OffsetError } from '../errors.js';
import type { TrustArea } from '../fram/index.js';
import { fromHex } from '../util/hex.js';
import type { SlotContent } from './slot-content.js';

export type TrustRefusalCode =
  | 'image_unsigned' // the board requires signed images; this one is not signed
  | 'unknown_key' // signed by a key not in the board's trust store
  | 'bad_signature' // the signature does not verify over the manifest
  | 'counter_too_low' // security counter below the board's stored minimum
  | 'class_mismatch' // vendor or board class differs from the board's
  | 'auth_required'; // the trust store is provisioned: changing it needs an authenticated command

/** A refusal by the board's image policy or trust store; the message names the board and the reason. */
export class TrustRefusal extends OffsetError<TrustRefusalCode> {}

/** What the policy needs: how the board is named in messages and its trust store (null: an unformatted FRAM, nothing enforced). */
export interface TrustContext {
  /** e.g. "board 5". */
  readonly board: string;
  readonly trust: TrustArea | null;
}

export function requiresSigned(ctx: TrustContext): boolean {
  return ctx.trust?.policy === 'signed';
}

/** The keys a bundle must be signed by (the store's), or undefined when the policy is open. */
export function trustedKeys(ctx: TrustContext): PublicKey[] | undefined {
  if (!requiresSigned(ctx)) return undefined;
  return (ctx.trust?.keys ?? []).map((k) => ({ keyId: k.keyId, raw: fromHex(k.publicKey) }));
}

function unsigned(ctx: TrustContext, why: string): TrustRefusal {
  return new TrustRefusal('image_unsigned', `${ctx.board} requires signed images; this image is unsigned (${why})`);
}

/** At BEGIN: an HXE image under `signed` (an HXE image carries no signature). */
export function checkImageKind(kind: 'hxe' | 'bundle', ctx: TrustContext): void {
  if (kind === 'hxe' && requiresSigned(ctx)) throw unsigned(ctx, 'an HXE image carries no signature: make it a signed bundle with hilbridge sign --key <key>');
}

/** As soon as the manifest is in: counter, vendor, board class; `signed`: whether a signature trailer follows the payload. */
export function checkManifest(m: BundleManifest, signed: boolean, ctx: TrustContext): void {
  const t = ctx.trust;
  if (t === null) return;
  const what = `bundle "${m.name}"`;
  if (m.securityCounter < t.securityCounter) {
    throw new TrustRefusal('counter_too_low', `${ctx.board} refuses ${what}: security counter ${m.securityCounter} < board minimum ${t.securityCounter} (a bundle older than one the board already ran; build it with --security-counter ${t.securityCounter} or higher)`);
  }
  if (t.vendor !== '' && m.vendor !== t.vendor) {
    throw new TrustRefusal('class_mismatch', `${ctx.board} is vendor "${t.vendor}"; ${what} is for vendor "${m.vendor}"`);
  }
  if (t.boardClass !== '' && m.boardClass !== t.boardClass) {
    throw new TrustRefusal('class_mismatch', `${ctx.board} is board class "${t.boardClass}"; ${what} is for board class "${m.boardClass}"`);
  }
  if (!signed && requiresSigned(ctx)) throw unsigned(ctx, `${what} has no signature trailer: sign it with hilbridge sign --key <key>`);
}

/** The signer, once the whole bundle is verified: under `signed` it must be a key of the store. */
export function checkSigner(info: Pick<BundleInfo, 'manifest' | 'signature'>, ctx: TrustContext): void {
  if (!requiresSigned(ctx)) return;
  const sig = info.signature;
  if (sig === null) throw unsigned(ctx, `bundle "${info.manifest.name}" has no signature trailer`);
  const keys = ctx.trust?.keys ?? [];
  if (!keys.some((k) => k.keyId === sig.keyId && k.publicKey === sig.publicKey)) throw unknownKey(ctx, info.manifest.name, sig.keyId, keys.map((k) => k.keyId));
}

function unknownKey(ctx: TrustContext, name: string, keyId: string, ids: readonly string[]): TrustRefusal {
  return new TrustRefusal('unknown_key', `${ctx.board} refuses bundle "${name}": signed by key ${keyId}, which is not in its trust store (keys: ${ids.join(', ') || 'none'})`);
}

/**
 * The bundle library's signature verdicts (not_signed, unknown_key,
 * bad_signature) as the board's refusals naming the board; anything else
 * unchanged.
 */
export function signatureRefusal(e: unknown, name: string, ctx: TrustContext): unknown {
  if (!isHilbridgeError(e)) return e;
  const offset = (e as { offset?: unknown }).offset;
  const at = typeof offset === 'number' ? offset : undefined;
  switch (e.code) {
    case 'not_signed':
      return new TrustRefusal('image_unsigned', `${ctx.board} requires signed images; this image is unsigned (bundle "${name}" has no signature trailer)`, at, { cause: e });
    case 'unknown_key': {
      const keyId = /key ([0-9a-f]{16})/.exec(e.message)?.[1] ?? 'unknown';
      const r = unknownKey(ctx, name, keyId, (ctx.trust?.keys ?? []).map((k) => k.keyId));
      return new TrustRefusal('unknown_key', r.message, at, { cause: e });
    }
    case 'bad_signature':
      return new TrustRefusal('bad_signature', `${ctx.board} refuses bundle "${name}": ${e.message}`, at, { cause: e });
    default:
      return e;
  }
}

/** Every rule on a whole, verified slot content (the FRAM commit check). */
export function checkContentTrust(content: SlotContent, ctx: TrustContext): void {
  const b = content.bundle;
  if (b === null) return checkImageKind('hxe', ctx);
  checkManifest(b.manifest, b.signature !== null, ctx);
  checkSigner(b, ctx);
}

/** Why the slot content would be refused now (boot reports it), or null when it passes. */
export function trustViolation(content: SlotContent, ctx: TrustContext): string | null {
  try {
    checkContentTrust(content, ctx);
    return null;
  } catch (e) {
    if (e instanceof TrustRefusal) return `[${e.code}] ${e.message}`;
    throw e;
  }
}

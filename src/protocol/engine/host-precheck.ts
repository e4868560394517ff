/**
 * Before BEGIN: would the target refuse this image by its policy? A target
 * whose INFO slot entry carries `limits` (docs/protocol.md 4.3.1) checks every
 * HXE image against them and INFO's capabilities; the host runs the very same
 * checks (src/hxe/policy.ts, the functions the board's loader runs) on the
 * slot BEGIN will write, so an image the board cannot take is refused before
 * a byte is sent, with the board's own reason. Targets without `limits`
 * (older boards, a file sink) are not pre-checked: they still refuse by
 * themselves.
 *
 * A bundle goes only to a target whose INFO capabilities say it takes
 * bundles (refused here, before BEGIN, naming the target), and each of its
 * hxe segments is checked like an HXE image.
 *
 * A target whose INFO capabilities carry LoaderCapability.signedOnly (its
 * image policy is `signed`) refuses HXE images and unsigned bundles: they
 * are refused here first, with the board's own words (UnsignedImageError).
 * Whether the signer is in its trust store, the counter and the class the
 * board checks itself (hilbridge trust list shows them).
 */
import type { HxeImage } from '../../hxe/image.js';
import { PolicyError, checkBudget, checkCapabilities } from '../../hxe/policy.js';
import type { BundleInfo } from '../../bundle/index.js';
import { HilbridgeError, isHilbridgeError } from '../../errors.js';
import { LoaderCapability, requiresSignedImages, takesBundles, type InfoMsg, type SlotInfo } from '../messages-types.js';

/** An unsigned image (HXE, or a bundle without a signature) for a target whose policy is `signed`; nothing was sent. */
export class UnsignedImageError extends HilbridgeError<'image_unsigned'> {
  constructor(
    readonly link: string,
    readonly nodeId: number,
    readonly file: string,
    why: string,
  ) {
    super('image_unsigned', `board ${nodeId} requires signed images; this image is unsigned (${file}: ${why}); ${link} would refuse it, nothing was sent: sign it with hilbridge sign --key <key>`);
  }

  protected override details(): Record<string, unknown> {
    return { link: this.link, path: this.file };
  }
}

/** A bundle for a target whose loader does not take bundles (INFO capabilities without LoaderCapability.bundle); nothing was sent. */
export class BundleUnsupportedError extends HilbridgeError<'bundle_unsupported'> {
  constructor(
    readonly link: string,
    readonly capabilities: number,
  ) {
    super(
      'bundle_unsupported',
      `board on ${link} does not take bundles (INFO capabilities 0x${(capabilities >>> 0).toString(16).padStart(8, '0')}, bundle bit 0x${LoaderCapability.bundle.toString(16)} clear): update its loader, or flash the HXE segments one by one`,
    );
  }

  protected override details(): Record<string, unknown> {
    return { link: this.link, capabilities: this.capabilities >>> 0 };
  }
}

/**
 * Throw BundleUnsupportedError when the target does not take bundles, and
 * PolicyError when it would refuse one of the bundle's hxe segments (named
 * by segment); nothing when it would take the bundle.
 */
export function precheckBundle(info: InfoMsg, bundle: Pick<BundleInfo, 'manifest' | 'hxe'> & Partial<Pick<BundleInfo, 'signature'>>, link: string, file: string): void {
  if (!takesBundles(info.capabilities)) throw new BundleUnsupportedError(link, info.capabilities);
  if (requiresSignedImages(info.capabilities) && bundle.signature === null) throw new UnsignedImageError(link, info.nodeId, file, 'the bundle has no signature');
  bundle.manifest.segments.forEach((seg, i) => {
    const image = seg.kind === 'hxe' ? bundle.hxe.get(seg.name) : undefined;
    if (image !== undefined) precheckLimits(info, { ...image, appName: null }, link, `segment ${i + 1} '${seg.name}' (hxe) of ${file}`);
  });
}

/** The slot a BEGIN with ANY_SLOT goes to (docs/protocol.md 4.3.2): the first that is not running, slot 0 when none runs. */
export function beginSlot(slots: readonly SlotInfo[]): SlotInfo | undefined {
  const running = slots.some((s) => s.state === 'active' || s.state === 'trial');
  return running ? slots.find((s) => s.state !== 'active' && s.state !== 'trial') : (slots.find((s) => s.slot === 0) ?? slots[0]);
}

type ImageFields = Pick<HxeImage, 'reqCaps' | 'codeLen' | 'roLen' | 'bssSize' | 'appName'>;

/**
 * Throw UnsignedImageError when the target requires signed images (an HXE
 * image carries no signature), PolicyError (`missing_capability`,
 * `over_budget`) when the target described by `info` would refuse `image`;
 * nothing when it would take it or states no limits.
 */
export function precheckImage(info: InfoMsg, image: ImageFields, link: string, file: string): void {
  if (requiresSignedImages(info.capabilities)) throw new UnsignedImageError(link, info.nodeId, file, 'an HXE image carries no signature');
  precheckLimits(info, image, link, file);
}

function precheckLimits(info: InfoMsg, image: ImageFields, link: string, file: string): void {
  const slot = beginSlot(info.slots);
  const limits = slot?.limits;
  if (slot === undefined || limits === undefined) return;
  const name = image.appName === null ? file : `app "${image.appName}" (${file})`;
  try {
    checkCapabilities(image.reqCaps, info.capabilities, name);
    checkBudget(image, limits, name);
  } catch (e) {
    if (!(e instanceof PolicyError) || !isHilbridgeError(e)) throw e;
    throw new PolicyError(e.code, `${link} would refuse it, nothing was sent: ${e.message} (slot ${slot.slot}'s limits in INFO)`, { cause: e });
  }
}

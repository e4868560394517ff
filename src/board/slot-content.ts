/**
 * What an image slot holds, as the board runs it: one HXE image (one app), or
 * a bundle (docs/bundle.md), told apart by its magic, whose hxe segments each
 * run as an app. The FRAM commit check, the boot check and the rollback check
 * all go through contentOf(), so a slot is judged the same way everywhere;
 * the board's capability and budget policy runs on every app.
 */
import { parseBundle, isBundleHead } from '../bundle/index.js';
import type { BundleInfo } from '../bundle/index.js';
import type { HxeImage } from '../hxe/image.js';
import { parseHxe } from '../hxe/parse.js';
import { checkBudget, checkCapabilities } from '../hxe/policy.js';
import type { BundleStatusInfo } from '../protocol/messages-types.js';
import { segmentName } from './segment-policy.js';
import type { SessionPolicy } from './session.js';

export interface SlotApp {
  readonly image: HxeImage;
  /** The bundle segment it comes from (null for a single HXE image). */
  readonly segment: string | null;
}

export interface SlotContent {
  /** The apps the slot runs: the HXE image, or the bundle's hxe segments in bundle order. */
  readonly apps: readonly SlotApp[];
  /** The bundle, when the slot holds one. */
  readonly bundle: BundleInfo | null;
  /** What the slot header's app name field records: the app name, or the bundle's name. */
  readonly name: string | null;
}

/** The slot content of a verified bundle: every hxe segment, in bundle order. */
export function bundleContent(info: BundleInfo): SlotContent {
  const apps: SlotApp[] = [];
  for (const s of info.manifest.segments) {
    const image = s.kind === 'hxe' ? info.hxe.get(s.name) : undefined;
    if (image !== undefined) apps.push({ image, segment: s.name });
  }
  return { apps, bundle: info, name: info.manifest.name };
}

/** Parse and verify whole slot bytes (a bundle by its magic, else an HXE image). Throws ImageError/BundleError. */
export function contentOf(bytes: Uint8Array): SlotContent {
  if (isBundleHead(bytes.subarray(0, 4))) return bundleContent(parseBundle(bytes));
  const image = parseHxe(bytes);
  return { apps: [{ image, segment: null }], bundle: null, name: image.appName };
}

/** The name an app goes by in messages. */
export function appLabel(app: SlotApp, bundle: BundleInfo | null): string {
  const seg = bundle?.manifest.segments.find((s) => s.name === app.segment);
  if (bundle !== null && seg !== undefined) return segmentName(bundle.manifest, seg);
  return app.image.appName === null ? 'the image' : `app "${app.image.appName}"`;
}

/** The board's capability and budget policy on every app of the slot (PolicyError naming the app or segment). */
export function checkContentPolicy(content: SlotContent, policy: SessionPolicy): void {
  for (const app of content.apps) {
    const label = appLabel(app, content.bundle);
    checkCapabilities(app.image.reqCaps, policy.capabilities, label);
    checkBudget(app.image, policy.limits, label);
  }
}

/** STATUS_INFO's `bundle` for a running bundle (the engine leaves the digests out when the reply would not fit: status-fit.ts). */
export function bundleStatus(info: BundleInfo, apps: readonly string[]): BundleStatusInfo {
  return {
    name: info.manifest.name,
    securityCounter: info.manifest.securityCounter,
    segments: info.manifest.segments.map((s) => ({ name: s.name, kind: s.kind, size: s.size, sha256: s.sha256 })),
    apps: [...apps],
  };
}

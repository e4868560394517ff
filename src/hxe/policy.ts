/**
 * Load-time policy checks for the target, as pure functions: does the board
 * offer what the image needs, does it fit, and what is the instance called.
 */
import { HilbridgeError } from '../errors.js';
import { APP_CAPABILITY_BITS, Capability, type CapabilityName } from './constants.js';
import type { HxeImage } from './image.js';

export type PolicyErrorCode = 'missing_capability' | 'over_budget' | 'EEXIST';

export class PolicyError extends HilbridgeError<PolicyErrorCode> {}

/** Names of the capability bits in `mask`; reserved bits come out as "bit<N>". */
export function capabilityNames(mask: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const v = (1 << bit) >>> 0;
    if (((mask >>> 0) & v) === 0) continue;
    const name = (Object.keys(Capability) as CapabilityName[]).find((k) => Capability[k] === v);
    names.push(name ?? `bit${bit}`);
  }
  return names;
}

/**
 * Throw missing_capability unless every bit of `required` is in `offered`.
 * Only the app bits of `offered` count (APP_CAPABILITY_BITS): a board's
 * loader bits (bundles, signed policy) never satisfy an image's req_caps.
 */
export function checkCapabilities(required: number, offered: number, image = 'image'): void {
  offered = (offered & APP_CAPABILITY_BITS) >>> 0;
  const missing = (required & ~offered) >>> 0;
  if (missing === 0) return;
  const offeredNames = capabilityNames(offered);
  throw new PolicyError(
    'missing_capability',
    `${image} requires ${capabilityNames(missing).join(', ')} (req_caps 0x${(required >>> 0).toString(16)}), which the target does not offer (target offers: ${offeredNames.length ? offeredNames.join(', ') : 'none'})`,
  );
}

/** What a target can give one application, in bytes. */
export interface ResourceLimits {
  /** Program memory for code. */
  readonly code: number;
  /** Memory for read-only data. */
  readonly rodata: number;
  /** Data RAM for the application: its bss plus the stack below. */
  readonly ram: number;
  /** Stack the target gives every application (taken from the RAM budget). */
  readonly stack: number;
}

/** Throw over_budget naming every resource the image needs more of than the target allows. */
export function checkBudget(image: Pick<HxeImage, 'codeLen' | 'roLen' | 'bssSize'>, limits: ResourceLimits, name = 'image'): void {
  const over: string[] = [];
  if (image.codeLen > limits.code) over.push(`code ${image.codeLen} B > limit ${limits.code} B`);
  if (image.roLen > limits.rodata) over.push(`rodata ${image.roLen} B > limit ${limits.rodata} B`);
  const ram = image.bssSize + limits.stack;
  if (ram > limits.ram) over.push(`RAM ${ram} B (bss ${image.bssSize} B + stack ${limits.stack} B) > limit ${limits.ram} B`);
  if (over.length === 0) return;
  throw new PolicyError('over_budget', `${name} does not fit the target: ${over.join('; ')}`);
}

/**
 * The name a new instance of `appName` runs under: the name itself when no
 * instance runs, else `<name>_#N` with the lowest free N when the image allows
 * several instances; throws EEXIST when it does not.
 */
export function instanceName(appName: string, allowMultiple: boolean, runningNames: Iterable<string>): string {
  const running = new Set(runningNames);
  if (!running.has(appName)) return appName;
  if (!allowMultiple) {
    throw new PolicyError(
      'EEXIST',
      `app "${appName}" is already running and its image does not allow multiple instances (header flags bit 1 clear): stop it first or rebuild with multiple instances allowed`,
    );
  }
  for (let n = 0; ; n++) {
    const candidate = `${appName}_#${n}`;
    if (!running.has(candidate)) return candidate;
  }
}

/**
 * Before BEGIN: would the target refuse this image by its policy? A target
 * whose INFO slot entry carries `limits` (docs/protocol.md 4.3.1) checks every
 * HXE image against them and INFO's capabilities; the host runs the very same
 * checks (src/hxe/policy.ts, the functions the board's loader runs) on the
 * slot BEGIN will write, so an image the board cannot take is refused before
 * a byte is sent, with the board's own reason. Targets without `limits`
 * (older boards, a file sink) are not pre-checked: they still refuse by
 * themselves.
 */
import type { HxeImage } from '../../hxe/image.js';
import { PolicyError, checkBudget, checkCapabilities } from '../../hxe/policy.js';
import { isHilbridgeError } from '../../errors.js';
import type { InfoMsg, SlotInfo } from '../messages-types.js';

/** The slot a BEGIN with ANY_SLOT goes to (docs/protocol.md 4.3.2): the first that is not running, slot 0 when none runs. */
export function beginSlot(slots: readonly SlotInfo[]): SlotInfo | undefined {
  const running = slots.some((s) => s.state === 'active' || s.state === 'trial');
  return running ? slots.find((s) => s.state !== 'active' && s.state !== 'trial') : (slots.find((s) => s.slot === 0) ?? slots[0]);
}

/**
 * Throw PolicyError (`missing_capability`, `over_budget`) when the target
 * described by `info` would refuse `image`; nothing when it would take it or
 * states no limits.
 */
export function precheckImage(
  info: InfoMsg,
  image: Pick<HxeImage, 'reqCaps' | 'codeLen' | 'roLen' | 'bssSize' | 'appName'>,
  link: string,
  file: string,
): void {
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

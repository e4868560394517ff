/**
 * Link assembly, for every program that talks over a link:
 *
 *   openLink(target, role, deps) -> Promise<Link>   open a spec as host or target: channel + profile
 *   frameChannel(transport, role, o)                 the channel and profile for an already open transport
 *   linkProfile(transport)                           max frame, chunk and window for its medium
 *   EmulatorPairs                                    in-process emulator pairs (`pair=`), owned by the caller
 */
export { openLink, frameChannel } from './open.js';
export type { Link, LinkDeps, LinkTarget } from './open.js';
export { linkProfile, mediumOf, DEFAULT_MAX_FRAME, CLASSIC_CAN_CHUNK, CLASSIC_CAN_WINDOW } from './profile.js';
export type { LinkMedium, LinkProfile } from './profile.js';
export { EmulatorPairs } from './pair.js';

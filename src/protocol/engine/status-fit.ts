/**
 * STATUS_INFO must not be cut (docs/protocol.md 4.6): when the body would
 * not fit the agreed max frame, the target leaves out what a host can do
 * without, largest first: the bundle's segment digests, then the bundle
 * (STATUS_INFO `bundle` is optional, 4.3.1). What still does not fit is sent
 * as it is (and lost, as 4.6 says).
 */
import { encodeMessage } from '../messages.js';
import type { StatusInfoMsg } from '../messages-types.js';

/** `msg`, or a smaller form of it whose payload is at most `room` bytes. */
export function fitStatus(msg: StatusInfoMsg, room: number): StatusInfoMsg {
  const fits = (m: StatusInfoMsg): boolean => encodeMessage(m).payload.length <= room;
  const b = msg.bundle;
  if (b === undefined || fits(msg)) return msg;
  const lean: StatusInfoMsg = { ...msg, bundle: { ...b, segments: b.segments.map(({ name, kind, size }) => ({ name, kind, size })) } };
  if (fits(lean)) return lean;
  const { bundle: _dropped, ...rest } = msg;
  return rest;
}

/**
 * STATUS_INFO must not be cut (docs/protocol.md 4.6): when the body would
 * not fit the agreed max frame, the target leaves out what a host can do
 * without, largest first: the bundle's segment digests, then the bundle
 * (STATUS_INFO `bundle` is optional, 4.3.1). What still does not fit is sent
 * as it is (and lost, as 4.6 says). TRUST_INFO's note (its only variable
 * part) is cut to fit, like RESULT's detail.
 */
import { encodeMessage } from '../messages.js';
import { Size, type StatusInfoMsg, type TrustInfoMsg } from '../messages-types.js';

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

/** TRUST_INFO with its note cut (at a character boundary, '…' marking the cut) so the payload is at most `room` bytes. */
export function fitTrust(msg: TrustInfoMsg, room: number): TrustInfoMsg {
  const noteRoom = room - Size.trustInfoFixed - Size.keyId * msg.keyIds.length;
  const bytes = (t: string): number => Buffer.byteLength(t, 'utf8');
  if (bytes(msg.note) <= noteRoom) return msg;
  let note = msg.note;
  while (note.length > 0 && bytes(`${note}…`) > noteRoom) note = note.slice(0, -1);
  return { ...msg, note: note.length === 0 ? '' : `${note}…` };
}

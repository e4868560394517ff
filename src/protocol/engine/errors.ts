/**
 * Engine failures that are not the target's word (those are TargetError):
 * the peer went silent, the session ran out of time, the host aborted.
 */
import { HilbridgeError, LinkError, ProtocolError } from '../../errors.js';

/** "4 tries in 7500 ms": how hard the host tried (the time when known). */
export function triesText(tries: number, waitedMs?: number): string {
  const n = tries === 1 ? '1 try' : `${tries} tries`;
  return waitedMs === undefined ? n : `${n} in ${Math.round(waitedMs)} ms`;
}

/** The peer did not answer after `tries` tries (over `waitedMs` in all, when known). */
export function peerTimeout(link: string, tries: number, what: string, waitedMs?: number): LinkError {
  return new LinkError(
    'peer_timeout',
    link,
    `no answer from ${link} after ${triesText(tries, waitedMs)} (${what}): is it in its loader, is the bit rate right, ` +
      'is the board powered and on this link?',
  );
}

/** The whole operation exceeded its time budget. */
export function sessionTimeout(link: string, ms: number, held: number, size: number): LinkError {
  return new LinkError(
    'session_timeout',
    link,
    `transfer to ${link} exceeded its ${ms} ms session timeout with ${held} of ${size} bytes acknowledged: ` +
      'check the link rate against the image size, or raise the session timeout; run again to resume',
  );
}

/** The transfer was aborted by the host on request; both sides freed the session. */
export class TransferAbortedError extends HilbridgeError<'aborted'> {
  constructor(link: string, confirmed: boolean) {
    super(
      'aborted',
      confirmed
        ? `transfer to ${link} aborted: the target freed the session`
        : `transfer to ${link} aborted: the target did not confirm it freed the session (it drops it at its session timeout)`,
    );
  }
}

/** The target's answers contradict the transfer (e.g. DONE for another image): never accept a wrong image silently. */
export function peerProtocol(link: string, detail: string): ProtocolError {
  return new ProtocolError('peer_protocol', `${link} broke the protocol: ${detail}; nothing is accepted as sent, run the transfer again`);
}

/**
 * The image was flashed, verified and committed, but the CONFIRM sent in the
 * same run (flash --confirm) failed: the image runs on trial, and confirming
 * it again is all that is left to do.
 */
export class ConfirmFailedError extends HilbridgeError<'confirm_failed'> {
  constructor(link: string, slot: string, retry: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'confirm_failed',
      `the image was flashed and committed to slot ${slot} of ${link}, but CONFIRM failed (${why}); it runs on trial and falls back ` +
        `after its trial boots unless confirmed: \`${retry}\` retries it`,
      { cause },
    );
  }
}

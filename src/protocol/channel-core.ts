/**
 * What both FrameChannel implementations share: counters, the role rules,
 * frame acceptance, and a send path that serialises frames so the units of
 * two frames never interleave on one link.
 */
import type { Observable } from 'rxjs';
import { LinkError, UsageError } from '../errors.js';
import type { Transport } from '../transports/types.js';
import { FrameFlag, MAX_FRAME_LIMIT, MIN_MAX_FRAME } from './constants.js';
import { decodeFrame, encodeFrame } from './frame.js';
import type { ChannelCounters, Frame, FrameChannel } from './types.js';

/** Which end of the link this channel is. The host sends with flags bit 0 clear, the target with it set. */
export type ChannelRole = 'host' | 'target';

export function newCounters(): ChannelCounters {
  return {
    framesSent: 0,
    framesReceived: 0,
    crcErrors: 0,
    malformed: 0,
    badVersion: 0,
    oversize: 0,
    garbageBytes: 0,
    segmentErrors: 0,
    bytesReceived: 0,
    echoes: 0,
  };
}

/** Frames a channel remembers having sent, to recognise them when they come back (an echo). */
const ECHO_MEMORY = 8;

/**
 * The last few encoded frames this channel sent (at most ECHO_MEMORY, each
 * at most the channel's max frame): an intact frame of our own role that is
 * byte for byte one of them came back from a loopback or an echoing adapter.
 */
export class SentFrames {
  private readonly recent: Uint8Array[] = [];

  remember(bytes: Uint8Array): void {
    this.recent.push(bytes);
    if (this.recent.length > ECHO_MEMORY) this.recent.shift();
  }

  has(bytes: Uint8Array): boolean {
    return this.recent.some((b) => b.length === bytes.length && b.every((v, i) => v === bytes[i]));
  }
}

/** Throws UsageError unless maxFrame is an integer in MIN_MAX_FRAME..MAX_FRAME_LIMIT. */
export function checkMaxFrame(maxFrame: number, link: string): void {
  if (!Number.isInteger(maxFrame) || maxFrame < MIN_MAX_FRAME || maxFrame > MAX_FRAME_LIMIT) {
    throw new UsageError(
      'invalid_max_frame',
      `maximum frame ${maxFrame} for ${link} is outside ${MIN_MAX_FRAME}..${MAX_FRAME_LIMIT} bytes`,
    );
  }
}

/** The frame as this role sends it: flags bit 0 set by the target, clear by the host. */
export function stampRole(frame: Frame, role: ChannelRole): Frame {
  const flags = role === 'target' ? frame.flags | FrameFlag.fromTarget : frame.flags & ~FrameFlag.fromTarget;
  return flags === frame.flags ? frame : { ...frame, flags };
}

/**
 * Decode an encoded frame from the link and decide whether this role takes
 * it: faults are counted; a frame whose flags bit 0 says it came from our own
 * role is dropped, counted as an echo when it is byte for byte one we sent
 * lately (`sent`): a loopback or an echoing adapter.
 */
export function acceptFrame(
  bytes: Uint8Array,
  maxFrame: number,
  role: ChannelRole,
  counters: ChannelCounters,
  sent?: SentFrames,
): Frame | undefined {
  const r = decodeFrame(bytes, maxFrame);
  if (!r.ok) {
    counters[r.fault]++;
    return undefined;
  }
  const fromTarget = (r.frame.flags & FrameFlag.fromTarget) !== 0;
  if (fromTarget === (role === 'target')) {
    if (sent?.has(bytes) === true) counters.echoes++;
    return undefined;
  }
  counters.framesReceived++;
  return r.frame;
}

/**
 * Assemble a FrameChannel. `units(bytes, first)` turns one encoded frame
 * into the transport units to send in order (`first` is true for the first
 * frame this channel sends).
 */
export function buildChannel<Unit>(p: {
  name: string;
  maxFrame: number;
  role: ChannelRole;
  transport: Transport<Unit>;
  counters: ChannelCounters;
  frames$: Observable<Frame>;
  units: (bytes: Uint8Array, first: boolean) => Iterable<Unit>;
  /** Where sent frames are remembered to recognise their echoes (acceptFrame). */
  sent?: SentFrames;
}): FrameChannel {
  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  let first = true;

  const transmit = async (bytes: Uint8Array): Promise<void> => {
    if (closed) throw new LinkError('link_closed', p.name, `cannot send on ${p.name}: the channel was closed`);
    const isFirst = first;
    first = false;
    p.sent?.remember(bytes);
    for (const unit of p.units(bytes, isFirst)) await p.transport.send(unit);
    p.counters.framesSent++;
  };

  return {
    name: p.name,
    maxFrame: p.maxFrame,
    frames$: p.frames$,
    counters: p.counters,
    async send(frame: Frame): Promise<void> {
      const bytes = encodeFrame(stampRole(frame, p.role), p.maxFrame);
      const done = tail.then(() => transmit(bytes));
      tail = done.catch(() => undefined);
      await done;
    },
    async close(): Promise<void> {
      closed = true;
      await p.transport.close();
    },
  };
}

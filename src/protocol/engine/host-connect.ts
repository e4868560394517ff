/**
 * Connection setup (HELLO -> INFO): learn who the target is and agree on
 * limits. Each side states its maximum frame, chunk and window; both use the
 * minimum. The HELLO round trip seeds the retransmission timer. HELLO waits
 * as every control request does (request-timing.ts): on a channel nothing has
 * answered yet, 500, 1000, 2000, 4000 ms by default, so a board on a busy
 * machine that answers late is still found.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { ProtocolError } from '../../errors.js';
import { PROTOCOL_VERSION } from '../constants.js';
import type { InfoMsg } from '../messages-types.js';
import { chunkLimit } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { request } from './request.js';
import { REQUEST_DEFAULTS } from './request-timing.js';

export interface ConnectOptions {
  readonly scheduler?: SchedulerLike;
  /** Largest chunk the host wants (default: what the channel's maximum frame allows). */
  readonly maxChunk?: number;
  /** Chunks in flight the host wants (default 16). */
  readonly window?: number;
  /** First HELLO's wait before the channel has a round-trip sample, and the least wait of any, ms (default 500). */
  readonly timeoutMs?: number;
  /** HELLOs before giving up with peer_timeout, each waiting twice as long as the one before (default 4). */
  readonly tries?: number;
  /** Every HELLO waits exactly timeoutMs (the SET_BAUD proof, bounded by the target's confirm window). */
  readonly fixedWait?: boolean;
}

/** The target as INFO described it, and the limits both sides agreed on. */
export interface PeerInfo {
  readonly info: InfoMsg;
  /** min(host, target) maximum frame, bytes. */
  readonly maxFrame: number;
  /** min(host, target, what fits in maxFrame) chunk, bytes. */
  readonly maxChunk: number;
  /** min(host, target) window, chunks. */
  readonly window: number;
  /** Time from the first HELLO to INFO, ms: an upper bound of the round trip, used to seed the retransmission timer. */
  readonly setupMs: number;
}

export const CONNECT_DEFAULTS = { window: 16, timeoutMs: REQUEST_DEFAULTS.timeoutMs, tries: REQUEST_DEFAULTS.tries } as const;

/** Say HELLO and agree on limits. Rejects with LinkError('peer_timeout') if the target never answers. */
export async function connect(channel: FrameChannel, opts: ConnectOptions = {}): Promise<PeerInfo> {
  const scheduler = opts.scheduler ?? asyncScheduler;
  const maxChunk = Math.min(opts.maxChunk ?? 0xffff, chunkLimit(channel.maxFrame));
  const window = opts.window ?? CONNECT_DEFAULTS.window;
  const started = scheduler.now();
  const info = await request(
    channel,
    { kind: 'hello', version: PROTOCOL_VERSION, maxFrame: channel.maxFrame, maxChunk, window },
    ['info'],
    {
      scheduler,
      timeoutMs: opts.timeoutMs ?? CONNECT_DEFAULTS.timeoutMs,
      tries: opts.tries ?? CONNECT_DEFAULTS.tries,
      fixedWait: opts.fixedWait,
      what: 'HELLO',
    },
  );
  const setupMs = scheduler.now() - started;
  if (info.version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'version_mismatch',
      `${channel.name} speaks protocol version ${info.version}, this hilbridge speaks ${PROTOCOL_VERSION}: update the loader or hilbridge`,
    );
  }
  const maxFrame = Math.min(channel.maxFrame, info.maxFrame);
  return {
    info,
    maxFrame,
    maxChunk: Math.min(maxChunk, info.maxChunk, chunkLimit(maxFrame)),
    window: Math.min(window, info.window),
    setupMs,
  };
}

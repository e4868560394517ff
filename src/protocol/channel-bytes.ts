/**
 * FrameChannel over a byte stream (UART, pty): COBS units, one per frame
 * (docs/protocol.md section 2).
 */
import { defer, mergeMap, share } from 'rxjs';
import type { ByteStreamTransport } from '../transports/types.js';
import { CobsSplitter, encodeCobsUnit } from './cobs-stream.js';
import { SentFrames, acceptFrame, buildChannel, checkMaxFrame, newCounters } from './channel-core.js';
import type { ChannelRole } from './channel-core.js';
import type { Frame, FrameChannel } from './types.js';

export interface ByteStreamChannelOptions {
  /** Name for messages; defaults to the transport's name. */
  readonly name?: string;
  /** Largest encoded frame accepted or sent (64..65551). */
  readonly maxFrame: number;
  readonly role: ChannelRole;
}

/**
 * Open a frame channel on an open byte-stream transport. The first unit sent
 * starts with a lone 0x00 to flush line garbage at the receiver. frames$ is
 * shared: one splitter serves every subscriber while any is subscribed.
 */
export function openByteStreamChannel(transport: ByteStreamTransport, opts: ByteStreamChannelOptions): FrameChannel {
  const name = opts.name ?? transport.name;
  checkMaxFrame(opts.maxFrame, name);
  const counters = newCounters();
  const sent = new SentFrames();
  const frames$ = defer(() => {
    const splitter = new CobsSplitter(opts.maxFrame);
    return transport.rx$.pipe(
      mergeMap((chunk) => {
        counters.bytesReceived += chunk.length;
        const out: Frame[] = [];
        for (const run of splitter.push(chunk)) {
          switch (run.kind) {
            case 'frame': {
              const f = acceptFrame(run.bytes, opts.maxFrame, opts.role, counters, sent);
              if (f) out.push(f);
              break;
            }
            case 'oversize':
            case 'malformed':
              counters[run.kind]++;
              counters.garbageBytes += run.garbageBytes;
              break;
          }
        }
        return out;
      }),
    );
  }).pipe(share());
  return buildChannel({
    name,
    maxFrame: opts.maxFrame,
    role: opts.role,
    transport,
    counters,
    frames$,
    sent,
    units: (bytes, first) => [encodeCobsUnit(bytes, first)],
  });
}

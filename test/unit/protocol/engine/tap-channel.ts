/**
 * Test helper: a frame channel that is `ch` except for what the test
 * replaces (its sends, its incoming frames), so a test can put an intruder,
 * a lossy host or a busy board on a real channel.
 */
import type { Observable } from 'rxjs';
import type { Frame, FrameChannel } from '../../../../src/protocol/types.js';

export interface Tap {
  readonly send?: (f: Frame) => Promise<void>;
  readonly frames$?: Observable<Frame>;
}

export function tapChannel(ch: FrameChannel, tap: Tap): FrameChannel {
  return {
    name: ch.name,
    maxFrame: ch.maxFrame,
    frames$: tap.frames$ ?? ch.frames$,
    get counters() {
      return ch.counters;
    },
    send: tap.send ?? ((f) => ch.send(f)),
    close: () => ch.close(),
  };
}

/**
 * A transfer's events in order whatever the wire did: DATA and END go out
 * behind BEGIN before its answer, and that answer can be lost.
 */
import { Observable, filter, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesImageReader } from '../../../../src/image/reader.js';
import { transfer } from '../../../../src/protocol/engine/index.js';
import type { TransferEvent } from '../../../../src/protocol/engine/index.js';
import { TransferEvents } from '../../../../src/protocol/engine/transfer-events.js';
import { MessageType } from '../../../../src/protocol/messages-types.js';
import { Rig, image } from '../../../integration/transfer-harness.js';
import { tapChannel } from './tap-channel.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const counters = { framesSent: 0 } as unknown as Extract<TransferEvent, { kind: 'progress' }>['counters'];
const begun: Extract<TransferEvent, { kind: 'begun' }> = { kind: 'begun', resumed: false, heldBytes: 0, heldRanges: [], size: 10, beginAt: 0 };

/** What a subscriber sees when `feed` drives a TransferEvents. */
function seen(feed: (e: TransferEvents) => void): string[] {
  const kinds: string[] = [];
  new Observable<TransferEvent>((out) => feed(new TransferEvents(out))).subscribe((e) => kinds.push(e.kind));
  return kinds;
}

describe('TransferEvents', () => {
  it('an ending before begun follows it; progress before begun is dropped; begun comes once', () => {
    expect(
      seen((ev) => {
        ev.progress({ kind: 'progress', heldBytes: 4, size: 10, counters });
        ev.ending({ kind: 'ending', heldBytes: 4, size: 10 });
        ev.begin(begun);
        ev.begin(begun);
        ev.progress({ kind: 'progress', heldBytes: 10, size: 10, counters });
      }),
    ).toEqual(['begun', 'ending', 'progress']);
  });

  it('done without begun brings it (and an owed ending) first', () => {
    const done = { kind: 'done', result: {} } as unknown as Extract<TransferEvent, { kind: 'done' }>;
    expect(
      seen((ev) => {
        ev.ending({ kind: 'ending', heldBytes: 10, size: 10 });
        ev.done(done, begun);
      }),
    ).toEqual(['begun', 'ending', 'done']);
  });
});

describe('transfer events over the wire', () => {
  it.each([
    ['an image of one chunk: END goes out before BEGIN is answered', false],
    ["and the target's answer to BEGIN is lost", true],
  ])('begun comes first, then ending, then done: %s', async (_name, loseSession) => {
    rig = new Rig();
    const r = rig;
    if (loseSession) r.host = tapChannel(r.host, { frames$: r.host.frames$.pipe(filter((f) => f.type !== MessageType.SESSION)) });
    const peer = await r.connect();
    const events = await r.clock.until(lastValueFrom(transfer(r.host, bytesImageReader(image(100)), { scheduler: r.clock.scheduler, peer, fresh: true }).pipe(toArray())));
    const kinds = events.map((e) => e.kind).filter((k) => k !== 'progress');
    expect(kinds).toEqual(['begun', 'ending', 'done']);
  });
});

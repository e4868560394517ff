// The transport contract suite against recorded transports: a tap on each end
// of the link emulator, in both of its modes, must obey every convention the
// adapters do (hot rx$, completion on close, rejected sends, back-pressure),
// since the protocol's channel cannot tell it from the transport underneath.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualTimeScheduler, asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { CaptureFile } from '../../../src/capture/capture-file.js';
import { tapTransport } from '../../../src/capture/tap.js';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import type { AnyTransport, CanFrame, Transport } from '../../../src/transports/types.js';
import { transportContract } from '../../contract/transport-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-tapcontract-'));
let files = 0;

/** Both ends tapped, each into its own capture file, closed when the pair is disposed. */
function tapped<U>(host: AnyTransport, target: AnyTransport, scheduler: SchedulerLike = asyncScheduler): { a: Transport<U>; b: Transport<U>; dispose: () => Promise<void> } {
  const fa = CaptureFile.open(join(dir, `${++files}.log`));
  const fb = CaptureFile.open(join(dir, `${++files}.log`));
  return {
    a: tapTransport(host, fa, scheduler) as unknown as Transport<U>,
    b: tapTransport(target, fb, scheduler) as unknown as Transport<U>,
    dispose: () => {
      fa.close();
      fb.close();
      return Promise.resolve();
    },
  };
}

transportContract<Uint8Array>('tapped emulator (byte stream)', {
  makePair: () => {
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 50_000_000, latencyMs: 0 });
    return Promise.resolve(tapped<Uint8Array>(link.host, link.target));
  },
  makeUnit: (i) => Uint8Array.from({ length: 1 + (i % 200) }, (_, j) => (i * 31 + j) & 0xff),
  bytesOf: (u) => u,
  byteStream: true,
  backPressure: {
    makeStalledPair: () => {
      const scheduler = new VirtualTimeScheduler();
      const link = createEmulatedLink({ mode: 'bytes', bitRate: 9600, latencyMs: 0, txQueueBytes: 1000, scheduler });
      return Promise.resolve(tapped<Uint8Array>(link.host, link.target, scheduler));
    },
    accepts: 44,
  },
});

transportContract<CanFrame>('tapped emulator (CAN)', {
  makePair: () => {
    const link = createEmulatedLink({ mode: 'can', bitRate: 50_000_000, latencyMs: 0 });
    return Promise.resolve(tapped<CanFrame>(link.host, link.target));
  },
  makeUnit: (i) => ({ id: 0x100 + (i % 0x100), extended: false, fd: false, data: Uint8Array.of(i & 0xff, i >> 8, 1, 2, 3, 4, 5, 6) }),
  bytesOf: (u) => u.data,
  byteStream: false,
  backPressure: {
    makeStalledPair: () => {
      const scheduler = new VirtualTimeScheduler();
      const link = createEmulatedLink({ mode: 'can', bitRate: 125_000, latencyMs: 0, txQueueFrames: 8, scheduler });
      return Promise.resolve(tapped<CanFrame>(link.host, link.target, scheduler));
    },
    accepts: 8,
  },
});

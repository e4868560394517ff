// The transport contract suite against the link emulator, in both of its modes.
// The same suite runs against a pty pair and vcan0 in the HIL tier (test/hil/).
import { VirtualTimeScheduler } from 'rxjs';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import type { CanFrame } from '../../../src/transports/types.js';
import { transportContract } from '../../contract/transport-contract.js';

transportContract<Uint8Array>('emulator (byte stream)', {
  makePair: () => {
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 50_000_000, latencyMs: 0 });
    return Promise.resolve({ a: link.host, b: link.target });
  },
  makeUnit: (i) => Uint8Array.from({ length: 1 + (i % 200) }, (_, j) => (i * 31 + j) & 0xff),
  bytesOf: (u) => u,
  byteStream: true,
  // A 1000-byte transmit queue on a wire whose clock never runs: units 0..43
  // (1 + 2 + ... + 44 = 990 bytes) fit, unit 44 (45 bytes) does not.
  backPressure: {
    makeStalledPair: () => {
      const link = createEmulatedLink({ mode: 'bytes', bitRate: 9600, latencyMs: 0, txQueueBytes: 1000, scheduler: new VirtualTimeScheduler() });
      return Promise.resolve({ a: link.host, b: link.target });
    },
    accepts: 44,
  },
});

transportContract<CanFrame>('emulator (CAN)', {
  makePair: () => {
    const link = createEmulatedLink({ mode: 'can', bitRate: 50_000_000, latencyMs: 0 });
    return Promise.resolve({ a: link.host, b: link.target });
  },
  makeUnit: (i) => ({ id: 0x100 + (i % 0x100), extended: false, fd: false, data: Uint8Array.of(i & 0xff, i >> 8, 1, 2, 3, 4, 5, 6) }),
  bytesOf: (u) => u.data,
  byteStream: false,
  // An 8-frame transmit queue on a bus whose clock never runs.
  backPressure: {
    makeStalledPair: () => {
      const link = createEmulatedLink({ mode: 'can', bitRate: 125_000, latencyMs: 0, txQueueFrames: 8, scheduler: new VirtualTimeScheduler() });
      return Promise.resolve({ a: link.host, b: link.target });
    },
    accepts: 8,
  },
});

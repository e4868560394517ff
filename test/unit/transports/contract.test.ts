// The transport contract suite against the link emulator, in both of its modes.
// The same suite runs against a pty pair and vcan0 in the HIL tier (test/hil/).
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
});

transportContract<CanFrame>('emulator (CAN)', {
  makePair: () => {
    const link = createEmulatedLink({ mode: 'can', bitRate: 50_000_000, latencyMs: 0 });
    return Promise.resolve({ a: link.host, b: link.target });
  },
  makeUnit: (i) => ({ id: 0x100 + (i % 0x100), extended: false, fd: false, data: Uint8Array.of(i & 0xff, i >> 8, 1, 2, 3, 4, 5, 6) }),
  bytesOf: (u) => u.data,
  byteStream: false,
});

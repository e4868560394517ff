// The transport contract suite against two nodes of the emulator bus (with a
// third, silent node attached, so "the other end" is one of several receivers).
import { VirtualTimeScheduler } from 'rxjs';
import { createEmulatorBus } from '../../../src/transports/emulator-bus.js';
import type { CanFrame } from '../../../src/transports/types.js';
import { transportContract } from '../../contract/transport-contract.js';

transportContract<CanFrame>('emulator bus (CAN, 3 nodes)', {
  makePair: () => {
    const bus = createEmulatorBus({ bitRate: 50_000_000 });
    const a = bus.attach();
    const b = bus.attach();
    bus.attach();
    return Promise.resolve({ a: a.transport, b: b.transport, dispose: () => bus.close() });
  },
  makeUnit: (i) => ({ id: 0x100 + (i % 0x100), extended: false, fd: false, data: Uint8Array.of(i & 0xff, i >> 8, 1, 2, 3, 4, 5, 6) }),
  bytesOf: (u) => u.data,
  byteStream: false,
  // 8 transmit mailboxes on a bus whose clock never runs.
  backPressure: {
    makeStalledPair: () => {
      const bus = createEmulatorBus({ scheduler: new VirtualTimeScheduler() });
      const a = bus.attach();
      const b = bus.attach();
      return Promise.resolve({ a: a.transport, b: b.transport });
    },
    accepts: 8,
  },
});

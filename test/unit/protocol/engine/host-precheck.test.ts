import { describe, expect, it } from 'vitest';
import { beginSlot, precheckImage } from '../../../../src/protocol/engine/host-precheck.js';
import type { InfoMsg, SlotInfo } from '../../../../src/protocol/messages-types.js';

const LIMITS = { code: 8192, rodata: 4096, ram: 32768, stack: 2048 };
const info = (slots: SlotInfo[], capabilities = 0xffffffff): InfoMsg => ({
  kind: 'info', version: 1, nodeId: 1, maxFrame: 1044, maxChunk: 1024, window: 16, capabilities, framSize: 131072, identity: 'b', slots,
});
const image = { reqCaps: 0, codeLen: 1024, roLen: 0, bssSize: 1024, appName: 'app' };

describe('checking an image against INFO before BEGIN', () => {
  it('takes the slot BEGIN with ANY_SLOT writes: the one not running, slot 0 when none runs', () => {
    expect(beginSlot([{ slot: 0, state: 'empty' }, { slot: 1, state: 'empty' }])?.slot).toBe(0);
    expect(beginSlot([{ slot: 0, state: 'active' }, { slot: 1, state: 'previous' }])?.slot).toBe(1);
    expect(beginSlot([{ slot: 0, state: 'inactive' }, { slot: 1, state: 'trial' }])?.slot).toBe(0);
    expect(beginSlot([])).toBeUndefined();
  });

  it('refuses what the slot\'s limits refuse, with the policy\'s words; an image that fits passes', () => {
    const slots: SlotInfo[] = [{ slot: 0, state: 'active' }, { slot: 1, state: 'empty', limits: LIMITS }];
    expect(() => precheckImage(info(slots), image, 'node 5 on vcan0', 'app.hxe')).not.toThrow();
    expect(() => precheckImage(info(slots), { ...image, bssSize: 65536 }, 'node 5 on vcan0', 'app.hxe')).toThrow(
      expect.objectContaining({
        code: 'over_budget',
        message: expect.stringMatching(/^node 5 on vcan0 would refuse it, nothing was sent: app "app" \(app\.hxe\) does not fit the target: RAM 67584 B \(bss 65536 B \+ stack 2048 B\) > limit 32768 B \(slot 1's limits in INFO\)$/) as unknown,
      }),
    );
    expect(() => precheckImage(info(slots, 0), { ...image, reqCaps: 1 }, 'l', 'app.hxe')).toThrow(expect.objectContaining({ code: 'missing_capability' }));
  });

  it('a target without limits (older boards, a file sink) is not checked: it refuses by itself', () => {
    expect(() => precheckImage(info([{ slot: 0, state: 'empty' }], 0), { ...image, reqCaps: 1, bssSize: 1 << 20 }, 'l', 'app.hxe')).not.toThrow();
  });
});

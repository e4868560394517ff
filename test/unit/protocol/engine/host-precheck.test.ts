import { describe, expect, it } from 'vitest';
import { beginSlot, precheckBundle, precheckImage } from '../../../../src/protocol/engine/host-precheck.js';
import { LoaderCapability, type InfoMsg, type SlotInfo } from '../../../../src/protocol/messages-types.js';
import { buildBundle, parseBundle } from '../../../../src/bundle/index.js';
import { fixture, testKey } from '../../bundle/helpers.js';

const LIMITS = { code: 8192, rodata: 4096, ram: 32768, stack: 2048 };
// every capability bit but the signed-only policy bit (30)
const info = (slots: SlotInfo[], capabilities = 0xbfffffff): InfoMsg => ({
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

  it('a target whose INFO says its policy is signed (bit 30): an HXE image and an unsigned bundle are refused before BEGIN naming the board; a signed bundle passes', () => {
    const signedOnly = info([{ slot: 0, state: 'empty' }], 0xffffffff);
    expect(() => precheckImage(signedOnly, image, 'node 5 on vcan0', 'app.hxe')).toThrow(
      expect.objectContaining({ code: 'image_unsigned', message: expect.stringMatching(/^board 1 requires signed images; this image is unsigned \(app\.hxe: an HXE image carries no signature\); node 5 on vcan0 would refuse it, nothing was sent/) as unknown }),
    );
    const calib = fixture('v2/calib.hxe');
    const unsigned = parseBundle(buildBundle([{ kind: 'hxe', bytes: calib }]).bytes);
    const signed = parseBundle(buildBundle([{ kind: 'hxe', bytes: calib }], { signer: testKey }).bytes);
    expect(() => precheckBundle(signedOnly, unsigned, 'node 5 on vcan0', 'u.hxb')).toThrow(expect.objectContaining({ code: 'image_unsigned' }));
    expect(() => precheckBundle(signedOnly, signed, 'node 5 on vcan0', 's.hxb')).not.toThrow();
    // the same images to a board whose policy is open
    const open = info([{ slot: 0, state: 'empty' }], 0xffffffff & ~LoaderCapability.signedOnly);
    expect(() => precheckImage(open, image, 'node 5 on vcan0', 'app.hxe')).not.toThrow();
    expect(() => precheckBundle(open, unsigned, 'node 5 on vcan0', 'u.hxb')).not.toThrow();
  });
});

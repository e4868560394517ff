/** A bundle before BEGIN: only to a target that takes bundles, and each hxe segment checked like an HXE image. */
import { describe, expect, it } from 'vitest';
import { buildBundle } from '../../../../src/bundle/index.js';
import { writeHxe } from '../../../../src/hxe/writer.js';
import { precheckBundle } from '../../../../src/protocol/engine/host-precheck.js';
import type { InfoMsg, SlotInfo } from '../../../../src/protocol/messages-types.js';

const LIMITS = { code: 8192, rodata: 4096, ram: 32768, stack: 2048 };
const SLOTS: SlotInfo[] = [{ slot: 0, state: 'active' }, { slot: 1, state: 'empty', limits: LIMITS }];
const info = (capabilities: number): InfoMsg => ({
  kind: 'info', version: 1, nodeId: 1, maxFrame: 1044, maxChunk: 1024, window: 16, capabilities, framSize: 131072, identity: 'b', slots: SLOTS,
});
const app = (appName: string, bssSize = 0): Uint8Array => writeHxe({ code: new Uint8Array(64), entry: 0, reqCaps: 0, appName, bssSize, values: [], commands: [], mailboxes: [] });

describe('checking a bundle against INFO before BEGIN', () => {
  const { info: good } = buildBundle([{ kind: 'hxe', bytes: app('alpha') }, { kind: 'values', bytes: new Uint8Array(8) }]);

  it('a target without INFO capabilities bit 31 is refused, naming it and its capabilities', () => {
    expect(() => precheckBundle(info(0x1f), good, 'node 5 on vcan0', 'b.hxb')).toThrow(
      expect.objectContaining({
        code: 'bundle_unsupported',
        message: 'board on node 5 on vcan0 does not take bundles (INFO capabilities 0x0000001f, bundle bit 0x80000000 clear): update its loader, or flash the HXE segments one by one',
      }),
    );
    expect(() => precheckBundle(info(0x8000001f), good, 'l', 'b.hxb')).not.toThrow();
  });

  it("an hxe segment the slot's limits refuse is refused by segment, with the policy's words", () => {
    const { info: big } = buildBundle([{ kind: 'hxe', bytes: app('alpha') }, { kind: 'hxe', bytes: app('beta', 65536) }]);
    expect(() => precheckBundle(info(0x8000001f), big, 'l', 'b.hxb')).toThrow(
      expect.objectContaining({ code: 'over_budget', message: expect.stringMatching(/^l would refuse it, nothing was sent: segment 2 'beta' \(hxe\) of b\.hxb does not fit the target: RAM/) as unknown }),
    );
  });
});

/**
 * A power cut at every byte the commit of a higher-counter bundle writes
 * (slot header, superblock, then the trust record with the raised counter):
 * after the reboot the board runs the old bundle with the old counter, or
 * the new bundle with the new counter (raised at boot when the cut came
 * between the commit and the counter write). Never an image whose counter
 * is above the stored one, never a damaged map. docs/fram.md records the count.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { buildBundle } from '../../../src/bundle/index.js';
import { VirtualBoard } from '../../../src/board/board.js';
import { FramError, MemoryFramDevice } from '../../../src/fram/index.js';
import { ImageKind } from '../../../src/protocol/messages-types.js';
import { testKey } from '../bundle/helpers.js';
import { beginFor, image, sha } from './helpers.js';

const FRAM = 64 * 1024;
const FOUR = buildBundle([{ kind: 'hxe', bytes: image('four', { codeBytes: 300 }) }], { name: 'four', securityCounter: 4, signer: testKey }).bytes;
const SEVEN = buildBundle([{ kind: 'hxe', bytes: image('seven', { codeBytes: 300 }) }], { name: 'seven', securityCounter: 7, signer: testKey }).bytes;

function open(device: MemoryFramDevice): VirtualBoard {
  return VirtualBoard.open({ fram: { device }, nodeId: 5, scheduler: new VirtualTimeScheduler() });
}

/** A chip whose board trusts testKey (policy signed) and runs FOUR, confirmed, counter 4. */
async function base(): Promise<Uint8Array> {
  const chip = new Uint8Array(FRAM);
  const board = open(new MemoryFramDevice(chip));
  await board.trustAdd({ requireSigned: true, publicKey: testKey.raw, vendor: '', boardClass: '' });
  board.install(FOUR, 'uart', { confirm: true });
  expect(board.fram.trust()?.securityCounter).toBe(4);
  board.close();
  return chip;
}

/** Stage SEVEN completely (begin and every byte), without END. */
async function stage(board: VirtualBoard): Promise<void> {
  await board.begin(beginFor(SEVEN, { imageKind: ImageKind.bundle, fresh: true }));
  for (let o = 0; o < SEVEN.length; o += 256) {
    const end = Math.min(SEVEN.length, o + 256);
    await board.write(o, SEVEN.subarray(o, end), end);
  }
}

describe('power cut during the commit that raises the security counter', () => {
  it('old bundle and old counter, or new bundle and new counter, at every cut point', async () => {
    const chip = await base();
    // where END starts and ends, in bytes written since power-on (deterministic)
    const probe = new MemoryFramDevice(chip.slice());
    const pb = open(probe);
    await stage(pb);
    const from = probe.stats.bytesWritten;
    await pb.end();
    const to = probe.stats.bytesWritten;
    pb.close();
    expect(to - from).toBeGreaterThan(0);
    let raisedAtBoot = 0;
    for (let cut = from; cut <= to; cut++) {
      const store = chip.slice();
      const board = open(new MemoryFramDevice(store, cut < to ? { cutPowerAfterBytes: cut } : {}));
      await stage(board);
      const failed = await board.end().then(() => null, (e: unknown) => e);
      if (cut < to) expect((failed as { cause?: unknown } | null)?.cause, `cut ${cut}`).toBeInstanceOf(FramError);
      board.powerOff();
      const again = open(new MemoryFramDevice(store));
      const active = again.report().slots.find((s) => s.slot === again.report().active);
      const counter = again.fram.trust()?.securityCounter;
      if (active?.sha256 === sha(SEVEN)) {
        expect(counter, `cut ${cut}: new bundle runs`).toBe(7);
        if (again.boot.notes.some((n) => n.startsWith('security counter raised to 7 at boot'))) raisedAtBoot++;
      } else {
        expect(active?.sha256, `cut ${cut}`).toBe(sha(FOUR));
        expect(counter, `cut ${cut}: old bundle runs`).toBe(4);
      }
      expect(again.boot.trustViolation, `cut ${cut}`).toBeNull();
      expect(again.fram.map().findings.filter((f) => f.severity === 'error'), `cut ${cut}`).toEqual([]);
      again.close();
    }
    // the cuts between the commit point and the counter write are the ones the boot repairs
    expect(raisedAtBoot).toBeGreaterThan(0);
    console.log('trust counter sweep', JSON.stringify({ cutPoints: to - from, raisedAtBoot }));
  });
});

/**
 * A power cut while the boot sequence stages an image from a boot source
 * (host preload): after the reboot the old image is active and verified,
 * and the next boot's scan completes the update. Cut at every 7th byte the
 * staging and commit write (and at the last).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../../src/board/board.js';
import { hostPreloadSource } from '../../../src/board/provision-host.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';
import { FRAM_SIZE, image, sha } from './helpers.js';

const OLD = image('old', { codeBytes: 256 });
const NEW = image('new', { codeBytes: 1536 });

function open(chip: Uint8Array, cut?: number): VirtualBoard {
  return VirtualBoard.open({ fram: { device: new MemoryFramDevice(chip, cut === undefined ? {} : { cutPowerAfterBytes: cut }) }, scheduler: new VirtualTimeScheduler() });
}

const active = (b: VirtualBoard): string | null => b.report().slots.find((s) => s.state === 'active' || s.state === 'trial')?.sha256 ?? null;

describe('power cut during preload staging', () => {
  it('leaves the old image active; the next boot loads the new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-cut-'));
    writeFileSync(join(dir, 'new.hxe'), NEW);
    const base = new Uint8Array(FRAM_SIZE);
    const b0 = open(base);
    b0.install(OLD, 'uart', { confirm: true });
    b0.close();
    // how many bytes a whole boot with provisioning writes
    const probeChip = base.slice();
    const probeDev = new MemoryFramDevice(probeChip);
    const opened = VirtualBoard.open({ fram: { device: probeDev }, scheduler: new VirtualTimeScheduler() });
    const before = probeDev.stats.bytesWritten;
    await opened.provision({ host: await hostPreloadSource(dir) });
    const total = probeDev.stats.bytesWritten - before;
    opened.close();
    expect(total).toBeGreaterThan(NEW.length);
    let cuts = 0;
    for (let cut = 0; cut < total; cut += cut >= total - 8 ? 1 : 7) {
      const chip = base.slice();
      const b = open(chip, before + cut); // the boot itself writes `before` bytes, as in the probe
      // the cut shows as the board's EIO from whatever FRAM access came next (the chip is dead until reopened)
      const r = await b.provision({ host: await hostPreloadSource(dir) }).catch((e: unknown) => (e as { code?: string }).code ?? 'no code');
      const done = typeof r !== 'string' && r.action === 'loaded';
      if (typeof r === 'string') expect(r, `cut ${cut}`).toBe('EIO');
      b.powerOff();
      const after = open(chip);
      expect(after.boot.kind, `cut ${cut}`).toBe('booted');
      expect([sha(OLD), sha(NEW)], `cut ${cut}`).toContain(active(after));
      if (!done) expect(after.report().framErrors, `cut ${cut}`).toEqual([]);
      if (active(after) === sha(OLD)) {
        const again = await after.provision({ host: await hostPreloadSource(dir) });
        expect(again.action, `cut ${cut}`).toBe('loaded');
        expect(active(after)).toBe(sha(NEW));
      }
      after.close();
      cuts++;
    }
    expect(cuts).toBeGreaterThan(100);
  });
});

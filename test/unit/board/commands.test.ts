/**
 * The board's answers to ROLLBACK and CONFIRM that name the wrong slot or have
 * nothing to act on, and what it reports when no superblock survives: through
 * VirtualBoard (the backend serveTarget drives) on a memory chip.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../../src/fram/layout.js';
import { ANY_SLOT } from '../../../src/protocol/messages-types.js';
import { FRAM_SIZE, image, openBoard, sha } from './helpers.js';

const OLD = image('old_app', { codeBytes: 1024 });
const NEW = image('new_app', { codeBytes: 2048 });

describe('board: ROLLBACK and CONFIRM refusals', () => {
  it('ROLLBACK with nothing to go back to, or to a slot that does not hold the previous image, is EINVAL naming the slots; the active image stays', async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const b = openBoard(chip);
    b.install(OLD, 'uart', { confirm: true });
    await expect(b.rollback(ANY_SLOT)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/no previous known-good image is recorded/) as unknown });
    b.install(NEW, 'uart', { confirm: true }); // NEW in slot B (1), OLD previous in slot A (0)
    await expect(b.rollback(1)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/previous image is in slot 0 \(A\)/) as unknown });
    expect(b.report().active).toBe('B');
    await b.rollback(0);
    expect(b.report().active).toBe('A');
    expect(b.executive.slot).toMatchObject({ appName: 'old_app', slot: 'A' });
    b.close();
  });

  it('CONFIRM with no image, or of a slot that is not the active one, is EINVAL; the trial stays a trial', async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const b = openBoard(chip);
    await expect(b.confirm(ANY_SLOT)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/no image is active/) as unknown });
    b.install(OLD, 'uart', { confirm: true });
    b.install(NEW, 'uart'); // on trial in slot B (1)
    await expect(b.confirm(0)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/active image is in slot 1 \(B\)/) as unknown });
    expect(b.report().trial).toBe(true);
    await b.confirm(1);
    expect(b.report().trial).toBe(false);
    b.close();
  });
});

describe('board: no valid superblock', () => {
  it('boots into recovery, reports no active slot and the settings default for trials, and refuses CONFIRM', async () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const first = openBoard(chip);
    first.install(OLD, 'uart', { confirm: true });
    const maxTrialBoots = first.report().maxTrialBoots;
    first.close();
    const [s0, s1] = computeLayout(chip.length).superblock;
    for (const at of [s0, s1]) chip.fill(0x5a, at, at + 64); // both copies destroyed
    const b = openBoard(chip);
    try {
      expect(b.boot.kind).toBe('recovery');
      expect(b.boot.recovery).toMatch(/no_valid_superblock: neither superblock copy/);
      const r = b.report();
      expect(r).toMatchObject({ state: 'RECOVERY', active: null, trial: false, bootAttempt: 0, maxTrialBoots });
      expect(r.lastError).toMatchObject({ code: 'recovery' });
      expect(r.slots.some((s) => s.sha256 === sha(OLD))).toBe(true);
      await expect(b.confirm(ANY_SLOT)).rejects.toMatchObject({ code: 'EINVAL' });
    } finally {
      b.close();
    }
  });
});

/**
 * The board's boot on a power cycle when the active slot does not verify
 * (generation, size, SHA-256, the HXE check with the board's policy), and its
 * auto-confirm policy: through VirtualBoard on a memory chip, the chip edited
 * between power cycles the way a fault or a stale write would leave it.
 */
import { describe, expect, it } from 'vitest';
import { Capability } from '../../../src/hxe/constants.js';
import { computeLayout, type SlotId } from '../../../src/fram/layout.js';
import { readSlotHeader, slotLayout, writeSlotHeader, type SlotHeader } from '../../../src/fram/slot.js';
import type { VirtualBoard } from '../../../src/board/board.js';
import { FRAM_SIZE, image, openBoard, sha } from './helpers.js';

const OLD = image('old_app', { codeBytes: 2048 });
const NEW = image('new_app', { codeBytes: 4096 });

/** A chip whose board ran OLD (slot A, confirmed) and then took NEW (slot B); NEW confirmed unless `trial`. */
function chipWithTwo(trial = false): Uint8Array {
  const chip = new Uint8Array(FRAM_SIZE);
  const b = openBoard(chip);
  b.install(OLD, 'uart', { confirm: true });
  b.install(NEW, 'uart', { confirm: !trial });
  b.close();
  return chip;
}

const io = (chip: Uint8Array) => ({
  read: (o: number, n: number) => chip.slice(o, o + n),
  write: (o: number, d: Uint8Array) => chip.set(d, o),
});

/** Rewrite slot `id`'s header (a valid record) with `change` applied. */
function editHeader(chip: Uint8Array, id: SlotId, change: (h: SlotHeader) => SlotHeader): void {
  const slot = slotLayout(computeLayout(chip.length), id);
  const h = readSlotHeader(io(chip), slot).header;
  if (h === null) throw new Error(`slot ${id} has no header`);
  writeSlotHeader(io(chip), slot, change(h));
}

function activeSlot(b: VirtualBoard): { slot: string; sha256: string | null } {
  const r = b.report();
  return { slot: String(r.active), sha256: r.slots.find((s) => s.slot === r.active)?.sha256 ?? null };
}

describe('boot: an active slot that does not verify', () => {
  const cases: [string, (chip: Uint8Array, id: SlotId) => void, RegExp][] = [
    ['a header of another generation (a stale image the superblock does not name)', (c, id) => editHeader(c, id, (h) => ({ ...h, generation: h.generation + 1 })), /holds generation \d+, superblock expects \d+/],
    ['a header claiming more bytes than the slot holds', (c, id) => editHeader(c, id, (h) => ({ ...h, size: slotLayout(computeLayout(c.length), id).capacity + 1 })), /claims \d+ bytes, slot holds \d+/],
    ['a header whose SHA-256 is not the image bytes (CRC-32 agrees)', (c, id) => editHeader(c, id, (h) => ({ ...h, sha256: '00'.repeat(32) })), /SHA-256 [0-9a-f]{64} != recorded 0{64}/],
  ];
  for (const [what, damage, detail] of cases) {
    it(`falls back to the previous image on ${what}, and says why`, () => {
      const chip = chipWithTwo();
      damage(chip, 'B');
      const b = openBoard(chip);
      try {
        expect(b.boot.kind).toBe('rolled_back');
        expect(b.boot.slot).toBe('A');
        expect(b.boot.notes[0]).toMatch(detail);
        expect(activeSlot(b)).toEqual({ slot: 'A', sha256: sha(OLD) });
        expect(b.executive.slot).toMatchObject({ appName: 'old_app', slot: 'A' });
      } finally {
        b.close();
      }
    });

    it(`stays in recovery on ${what} with no previous image, and says why`, () => {
      const chip = new Uint8Array(FRAM_SIZE);
      const first = openBoard(chip);
      first.install(NEW, 'uart', { confirm: true });
      first.close();
      damage(chip, 'A'); // the first image goes into slot A
      const b = openBoard(chip);
      try {
        expect(b.boot.kind).toBe('recovery');
        expect(b.boot.recovery).toMatch(detail);
        expect(b.boot.recovery).toMatch(/previous: no previous image recorded/);
        expect(b.report().state).toBe('RECOVERY');
        expect(b.executive.slot).toBeNull();
      } finally {
        b.close();
      }
    });
  }

  it('falls back when the board no longer accepts the image (its HXE check with the board policy rejects it)', () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const first = openBoard(chip);
    first.install(OLD, 'uart', { confirm: true });
    first.install(image('can_app', { reqCaps: Capability.can, codeBytes: 1024 }), 'uart', { confirm: true });
    first.close();
    // the same chip in a board without CAN
    const b = openBoard(chip, { capabilities: Capability.mailbox | Capability.valueCmd });
    try {
      expect(b.boot.kind).toBe('rolled_back');
      expect(b.boot.notes[0]).toMatch(/rejected by the HXE check: .*/);
      expect(b.executive.slot).toMatchObject({ appName: 'old_app' });
    } finally {
      b.close();
    }
  });
});

describe('boot: auto-confirm policy', () => {
  it('confirms a trial image that started, on its first boot, and it stays confirmed', () => {
    const chip = chipWithTwo(true);
    const b = openBoard(chip, { autoConfirm: true });
    expect(b.boot).toMatchObject({ kind: 'booted', slot: 'B', trial: false });
    expect(b.boot.notes.join('\n')).toMatch(/confirmed by policy after a successful start \(auto-confirm\)/);
    b.close();
    // a later boot, even without the option, runs it as confirmed (no trial count)
    const again = openBoard(chip);
    expect(again.boot).toMatchObject({ kind: 'booted', slot: 'B', trial: false, bootAttempt: 0 });
    again.close();
  });

  it('leaves a trial image on trial without it (the attempt counted)', () => {
    const chip = chipWithTwo(true);
    const b = openBoard(chip, { autoConfirm: false });
    expect(b.boot).toMatchObject({ kind: 'booted', slot: 'B', trial: true, bootAttempt: 1 });
    expect(b.boot.notes.join('\n')).not.toMatch(/auto-confirm/);
    b.close();
  });

  it('does not confirm a trial image that did not start (its app conflicts with a resident one)', () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const first = openBoard(chip);
    first.install(OLD, 'uart', { confirm: true });
    first.install(image('calib', { codeBytes: 1024 }), 'uart');
    first.close();
    const b = openBoard(chip, { autoConfirm: true, residentApps: [{ image: image('calib'), source: 'sd_manifest' }] });
    try {
      expect(b.boot).toMatchObject({ kind: 'booted', trial: true, bootAttempt: 1 });
      expect(b.executive.slot).toBeNull();
      expect(b.boot.notes.join('\n')).toMatch(/app "calib" not started: \[EEXIST\]/);
      expect(b.boot.notes.join('\n')).not.toMatch(/auto-confirm/);
    } finally {
      b.close();
    }
  });
});

/**
 * The virtual board end to end over the emulated UART with faults, in virtual
 * time: provision, reboot, bad images, abort, trial fallback, restart and
 * resume.
 */
import { boardEventLine } from '../../src/cli/json/board.js';
import { parseJsonLine } from '../../src/cli/json/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { Capability } from '../../src/hxe/constants.js';
import { SLOT_HEADER_SIZE, computeLayout } from '../../src/fram/layout.js';
import { TargetState } from '../../src/protocol/engine/index.js';
import { BoardEventSchema } from '../../src/board/events.js';
import { image, sha } from '../unit/board/helpers.js';
import { BoardRig, type BoardRigOptions } from './board-rig.js';

const OLD = image('old_app', { codeBytes: 2048 });
const NEW = image('new_app', { codeBytes: 12 * 1024 });
const LOSSY = [{ loss: 0.02 }, { corrupt: 0.01 }, { duplicate: 0.01 }];

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** A rig whose board runs OLD, confirmed. */
async function withOld(opts: BoardRigOptions = {}): Promise<BoardRig> {
  rig = new BoardRig(opts);
  await rig.provision(OLD);
  await rig.confirm();
  return rig;
}

describe('board over the emulated link', () => {
  it('provisions over a lossy line, survives a reboot, and reports the new image over STATUS', async () => {
    const r = await withOld({ faults: [{ direction: 'toTarget', lossEvery: 7 }, { corrupt: 0.02 }, { duplicate: 0.02 }] });
    const dropped = r.link.stats.toTarget.dropped;
    const events = await r.provision(NEW);
    expect(r.link.stats.toTarget.dropped).toBeGreaterThan(dropped);
    const done = events.at(-1);
    expect(done?.kind).toBe('done');
    if (done?.kind === 'done') {
      expect(done.result.sha256).toBe(sha(NEW));
      expect(done.result.counters.retransmits).toBeGreaterThan(0);
    }
    let st = await r.status();
    expect(st.slots.find((s) => s.state === 'trial')).toMatchObject({ slot: 1, app: 'new_app', size: NEW.length, sha256: sha(NEW) });
    expect(st.slots.find((s) => s.state === 'previous')).toMatchObject({ slot: 0, app: 'old_app' });
    await r.reboot();
    st = await r.status();
    expect(st.slots.find((s) => s.slot === 1)).toMatchObject({ state: 'trial', sha256: sha(NEW) });
    expect(st.bootCount).toBe(1);
    await r.confirm();
    await r.reboot();
    st = await r.status();
    expect(st.slots.find((s) => s.slot === 1)).toMatchObject({ state: 'active', app: 'new_app' });
    expect(r.board.executive.slot).toMatchObject({ appName: 'new_app', source: 'uart', slot: 'B' });
    for (const e of r.events) expect(BoardEventSchema.safeParse(e).success).toBe(true);
  });

  it('boots into recovery when the active image is corrupt in FRAM, refuses to confirm it, and a new image revives it', async () => {
    const r = await withOld();
    const slotA = computeLayout(r.chip.length).partitions.find((p) => p.name === 'slot_a');
    expect(slotA).toBeDefined();
    // OLD went into slot A (the first image); flip a byte of its code
    const at = (slotA?.offset ?? 0) + SLOT_HEADER_SIZE + 200;
    r.chip[at] = (r.chip[at] ?? 0) ^ 0xff;
    await r.reboot();
    const st = await r.status();
    expect(st.state).toBe('RECOVERY');
    expect(st.lastError).toMatchObject({ code: 'recovery' });
    expect(st.lastError?.message).toMatch(/no bootable image/);
    await expect(r.confirm()).rejects.toMatchObject({ code: 'EINVAL' });
    await r.provision(NEW);
    await r.confirm();
    await r.reboot();
    // revived for good: after the power cycle the board runs NEW, confirmed (not on trial), with no error
    const after = await r.status();
    expect(after.state).not.toBe('RECOVERY');
    expect(after.lastError).toBeNull();
    expect(after.slots.find((s) => s.state === 'active')).toMatchObject({ app: 'new_app', sha256: sha(NEW) });
    expect(after.slots.find((s) => s.state === 'trial')).toBeUndefined();
    expect(r.activeSha()).toBe(sha(NEW));
    expect(r.board.executive.slot).toMatchObject({ appName: 'new_app', slot: 'B' });
    // and again: a confirmed image is not a trial that runs out
    await r.reboot();
    expect(r.board.executive.slot).toMatchObject({ appName: 'new_app', slot: 'B' });
    expect((await r.status()).state).not.toBe('RECOVERY');
  });

  const bad: [string, Uint8Array, string, BoardRigOptions['board']][] = [
    ['a corrupt image', corrupt(NEW, 5000), 'crc_mismatch', {}],
    ['an image needing a capability the board lacks', image('can_app', { reqCaps: Capability.can, codeBytes: 8192 }), 'missing_capability', { capabilities: Capability.mailbox | Capability.valueCmd }],
    ['an image over the code budget', NEW, 'over_budget', { limits: { code: 8192, rodata: 4096, ram: 8192, stack: 1024 } }],
    ['a second instance of a single-instance app', image('calib', { codeBytes: 8192 }), 'EEXIST', { residentApps: [{ image: image('calib'), source: 'sd_manifest' }] }],
  ];
  for (const [what, bytes, code, board] of bad) {
    it(`rejects ${what} with ${code}; the old image stays active and nothing is held`, async () => {
      const r = await withOld({ faults: LOSSY, board });
      const err = await r.provision(bytes).then(() => undefined, (e: unknown) => e as Error);
      expect(err).toMatchObject({ code });
      if (code === 'over_budget') expect(err?.message).toMatch(/answered over_budget \(.*does not fit the target: code \d+ B > limit 8192 B/);
      if (code === 'over_budget' || code === 'missing_capability') expect(err?.message).not.toMatch(/at byte/);
      expect(r.activeSha()).toBe(sha(OLD));
      expect(r.board.executive.slot?.appName).toBe('old_app');
      expect(await r.board.held()).toBeUndefined();
      const st = await r.status();
      expect(st.lastError?.code).toBe(code);
      expect(st.slots.find((s) => s.slot === 0)?.state).toBe('active');
      const refusal = r.events.filter((e) => e.type === 'provisioning.error').at(-1);
      expect(refusal).toMatchObject({ code });
      // what `hilbridge target --json` prints for it fits its schema (flash's pre-check keeps the CLI tests from provoking it)
      expect(() => parseJsonLine(JSON.parse(JSON.stringify(boardEventLine(refusal!))))).not.toThrow();
      await r.reboot();
      expect(r.activeSha()).toBe(sha(OLD));
    });
  }

  it('abort mid-transfer: old image active, staging freed, loader IDLE', async () => {
    const r = await withOld();
    const abort$ = new Subject<void>();
    const run = r.start(NEW, { abort$ });
    run.catch(() => undefined);
    await r.clock.advanceTo(r.clock.now + 60);
    expect(r.target.state).toBe(TargetState.Receiving);
    abort$.next();
    await expect(r.clock.until(run)).rejects.toMatchObject({ code: 'aborted' });
    expect(r.target.state).toBe(TargetState.Idle);
    expect(r.board.state).toBe('IDLE');
    expect(await r.board.held()).toBeUndefined();
    expect(r.activeSha()).toBe(sha(OLD));
    expect(r.board.report().slots.find((s) => s.slot === 'B')?.state).not.toBe('staging');
    expect(r.events.filter((e) => e.type === 'provisioning.aborted')).toHaveLength(1);
  });

  it('a trial image that is never confirmed falls back after N boots', async () => {
    const r = await withOld({ board: { maxTrialBoots: 2 } });
    await r.provision(NEW);
    await r.reboot();
    await r.reboot();
    expect(r.board.boot).toMatchObject({ kind: 'booted', slot: 'B', trial: true, bootAttempt: 2 });
    expect(r.activeSha()).toBe(sha(NEW));
    await r.reboot();
    expect(r.board.boot).toMatchObject({ kind: 'rolled_back', slot: 'A' });
    expect(r.activeSha()).toBe(sha(OLD));
    expect(r.board.executive.slot?.appName).toBe('old_app');
    expect(r.events.filter((e) => e.type === 'provisioning.rollback').at(-1)).toMatchObject({ from: 'B', to: 'A', reason: 'trial_exhausted', phase: 'BOOT' });
    const st = await r.status();
    expect(st.slots.find((s) => s.slot === 0)?.state).toBe('active');
  });

  it('a target restart mid-transfer resumes from what the FRAM kept', async () => {
    const r = await withOld();
    const run = r.start(NEW);
    run.catch(() => undefined);
    await r.clock.advanceTo(r.clock.now + 70);
    const progress = r.events.filter((e) => e.type === 'provisioning.progress').at(-1);
    const heldBefore = progress?.type === 'provisioning.progress' ? progress.bytesWritten : 0;
    expect(heldBefore).toBeGreaterThan(0);
    expect(heldBefore).toBeLessThan(NEW.length);
    await r.reboot();
    expect(r.activeSha()).toBe(sha(OLD));
    const kept = (await r.board.held())?.ranges.reduce((n, x) => n + x.end - x.start, 0) ?? 0;
    expect(kept).toBeGreaterThan(0);
    const events = await r.clock.until(run);
    expect(events.at(-1)?.kind).toBe('done');
    const started = r.events.filter((e) => e.type === 'provisioning.started');
    expect(started.at(-1)).toMatchObject({ resumed: true });
    expect(r.activeSha()).toBe(sha(NEW));
  });
});

function corrupt(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] ?? 0) ^ 0x5a;
  return out;
}

describe('storage damage over the wire', () => {
  it('STATUS reports a damaged superblock copy until a write repairs it, and the board keeps its exact state', async () => {
    const r = await withOld();
    const copy1 = computeLayout(r.chip.length).superblock[1];
    r.chip[copy1 + 9]! ^= 0x04; // one bit in copy 1, at rest
    await r.reboot();
    const damaged = await r.status();
    expect(damaged.damage).toEqual([expect.objectContaining({ code: 'superblock_copy_corrupt', offset: copy1 })]);
    expect(r.activeSha()).toBe(sha(OLD));
    expect(damaged.slots.find((s) => s.state === 'active')).toBeDefined(); // still confirmed, not back on trial
    await r.provision(NEW); // the commit writes the superblock into both copies
    expect((await r.status()).damage).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { decodeSuperblock, encodeSuperblock, type SuperblockState } from '../../../src/fram/superblock.js';
import { boardWith, check, fixture, provision, reopen } from './helpers.js';

const OLD = fixture('calib');
const NEW = fixture('motor_ctl');

const lastEvent = (store: Uint8Array): unknown => reopen(store).map().superblocks.find((c) => c.newest)?.state?.lastEvent;

describe('the last fallback or rollback, kept in the superblock', () => {
  it('a trial that runs out records trial_exhausted with its boots, in both copies; the next commit clears it', () => {
    const { store, fram } = boardWith(OLD);
    fram.writeSettings({ ...fram.settings(), maxTrialBoots: 2 });
    provision(fram, NEW);
    expect(lastEvent(store)).toBeNull();
    for (let i = 0; i < 3; i++) reopen(store).boot(check);
    expect(lastEvent(store)).toEqual({ kind: 'trial_exhausted', from: 'B', to: 'A', boots: 2 });
    // both copies hold it (a two-copy record written as a mirror)
    expect(reopen(store).map().superblocks.map((c) => c.state?.lastEvent)).toEqual([
      { kind: 'trial_exhausted', from: 'B', to: 'A', boots: 2 },
      { kind: 'trial_exhausted', from: 'B', to: 'A', boots: 2 },
    ]);
    // survives later superblock writes (a boot of the confirmed image writes nothing; a confirm of it neither)
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', slot: 'A' });
    expect(lastEvent(store)).toEqual({ kind: 'trial_exhausted', from: 'B', to: 'A', boots: 2 });
    provision(reopen(store), NEW);
    expect(lastEvent(store)).toBeNull();
  });

  it('a host rollback records rollback; a factory reset clears it', () => {
    const { store, fram } = boardWith(OLD);
    provision(fram, NEW);
    fram.rollback(check);
    expect(lastEvent(store)).toEqual({ kind: 'rollback', from: 'B', to: 'A', boots: 0 });
    const f = reopen(store);
    f.factoryReset();
    expect(lastEvent(store)).toBeNull();
  });

  it('bytes 20..23 zero (a superblock written before the field existed) read as no event; the encoding round-trips', () => {
    const base: SuperblockState = {
      layoutVersion: 1, deviceSize: 65536, active: 'A', activeGen: 3, previous: null, previousGen: 0,
      trial: false, bootAttempts: 0, maxAttempts: 3, resetPending: false, lastEvent: null,
    };
    const bytes = encodeSuperblock(base);
    expect([...bytes.subarray(20, 24)]).toEqual([0, 0, 0, 0]);
    expect(decodeSuperblock(bytes, 7).lastEvent).toBeNull();
    const ev = { ...base, lastEvent: { kind: 'active_corrupt', from: 'B', to: 'A', boots: 0 } } as const;
    expect(decodeSuperblock(encodeSuperblock(ev), 8)).toEqual({ ...ev, seq: 8 });
  });
});

/**
 * Issue 8: a BEGIN alone never costs the rollback image. The inactive slot's
 * old image (the previous known-good one) stays whole and restorable until
 * the first byte of a new image is written into it; a BEGIN marked fresh
 * starts over even for an image the slot held before.
 */
import { describe, expect, it } from 'vitest';
import type { Fram } from '../../../src/fram/fram.js';
import { boardWith, check, fixture, provision, sha } from './helpers.js';

const OLD = fixture('calib');
const NEW = fixture('motor_ctl');
const THIRD = fixture('telemetry');

/** OLD confirmed in A, then NEW committed in B and confirmed: A holds the rollback image. */
function twoImages(): Fram {
  const { fram } = boardWith(OLD);
  provision(fram, NEW);
  fram.boot(check);
  fram.confirm();
  return fram;
}

const begin = (fram: Fram, image: Uint8Array, fresh = false) => fram.beginStaging({ size: image.length, sha256: sha(image), source: 'uart', fresh });

describe('staging keeps the rollback image until the first byte', () => {
  it('BEGIN without data: the journal names the new image, the previous image still verifies and rollback restores it', () => {
    const fram = twoImages();
    const st = begin(fram, THIRD);
    expect(st).toMatchObject({ slot: 'A', resumed: false, held: [] });
    expect(fram.staging()).toMatchObject({ slot: 'A', sha256: sha(THIRD), held: [] });
    const previous = fram.map().slots.find((s) => s.slot === 'A');
    expect(previous).toMatchObject({ role: 'previous', verified: true, sha256: sha(OLD) });
    expect(fram.map().findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(fram.rollback(check)).toMatchObject({ from: 'B', to: 'A', image: { sha256: sha(OLD) } });
    // the journal now names the active slot: no staging is in progress
    expect(fram.staging()).toBeNull();
  });

  it('BEGIN again for the same image resumes the journal without a byte written; the first write invalidates the old header', () => {
    const fram = twoImages();
    begin(fram, THIRD);
    expect(begin(fram, THIRD)).toMatchObject({ resumed: true, held: [] });
    fram.writeStaged(0, THIRD.subarray(0, 64));
    expect(fram.staging()).toMatchObject({ held: [{ start: 0, end: 64 }] });
    expect(fram.map().slots.find((s) => s.slot === 'A')).toMatchObject({ role: 'previous', verified: false, headerStatus: 'incomplete' });
    expect(() => fram.rollback(check)).toThrow(expect.objectContaining({ code: 'no_previous_image' }));
  });

  it('an aborted staging that wrote nothing leaves the rollback image too', () => {
    const fram = twoImages();
    begin(fram, THIRD);
    fram.abortStaging();
    expect(fram.rollback(check)).toMatchObject({ to: 'A', image: { sha256: sha(OLD) } });
  });

  it('after ROLLBACK, BEGIN of the image rolled back from starts from nothing, fresh or not (QUERY says nothing is held either)', () => {
    const fram = twoImages();
    fram.rollback(check); // A (OLD) active again, B still holds NEW with the journal that staged it
    expect(fram.staging()).toBeNull();
    expect(begin(fram, NEW, true)).toMatchObject({ slot: 'B', resumed: false, held: [] });
    expect(begin(fram, NEW)).toMatchObject({ slot: 'B', resumed: true, held: [] });
  });

  it('fresh discards a staging in progress of the same image', () => {
    const fram = twoImages();
    begin(fram, THIRD);
    fram.writeStaged(0, THIRD.subarray(0, 64));
    expect(begin(fram, THIRD)).toMatchObject({ resumed: true, held: [{ start: 0, end: 64 }] });
    expect(begin(fram, THIRD, true)).toMatchObject({ resumed: false, held: [] });
  });

  it('a refused BEGIN (trial pending, too large) writes nothing', () => {
    const { store, fram } = boardWith(OLD);
    const before = store.slice();
    expect(() => fram.beginStaging({ size: 1 << 20, sha256: sha(NEW), source: 'uart' })).toThrow(expect.objectContaining({ code: 'image_too_large' }));
    expect(store).toEqual(before);
    provision(fram, NEW);
    const trial = store.slice();
    expect(() => begin(fram, THIRD)).toThrow(expect.objectContaining({ code: 'trial_pending' }));
    expect(store).toEqual(trial);
  });
});

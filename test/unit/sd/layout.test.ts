/**
 * planCard refuses a card sd check would refuse (the manifest rules of
 * src/sd/rules.ts), with the rule's code and field, before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { SdError, planCard } from '../../../src/sd/index.js';
import { sample } from './helpers.js';

describe('planCard', () => {
  it('refuses two entries for one node with one priority (sd_priority_conflict), naming the entry and field', () => {
    let err: unknown;
    try {
      planCard([sample('motor_ctl'), sample('telemetry')], { priorities: [1, 1], nodes: [3] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SdError);
    expect(err).toMatchObject({ code: 'sd_priority_conflict', field: 'images[1].priority' });
    expect((err as Error).message).toMatch(/would fail sd check: entry 1 \("telemetry"\): priority 1 is also entry 0/);
  });

  it('lays out the same images with their own priorities', () => {
    expect(planCard([sample('motor_ctl'), sample('telemetry')], { priorities: [1, 2] }).entries.map((e) => e.priority)).toEqual([1, 2]);
  });
});

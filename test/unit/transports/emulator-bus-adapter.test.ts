import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { openBusNames, sharedBus } from '../../../src/transports/emulator-bus-adapter.js';
import { transports } from '../../../src/transports/registry.js';
import type { CanFrame, CanTransport } from '../../../src/transports/types.js';
import { VirtualClock } from './virtual-time.js';

describe('canbus: links (the emulator bus in the registry)', () => {
  it('every open of one name attaches another node to the same bus; the bus goes with its last node', async () => {
    const clock = new VirtualClock();
    const open = async (text: string): Promise<CanTransport> => (await transports.open(text, { scheduler: clock.scheduler })).transport as CanTransport;
    const a = await open('canbus:reg1@500000,seed=4');
    const b = await open('canbus:reg1,loss=0');
    const c = await open('canbus:reg1,rxRate=1000,rxQueue=2');
    expect(a.framing).toBe('can');
    expect(sharedBus('reg1')?.bitRate).toBe(500_000);
    expect(sharedBus('reg1')?.nodes).toHaveLength(3);
    const got: Array<[string, number]> = [];
    for (const [n, t] of [['b', b], ['c', c]] as const) t.rx$.subscribe((f: CanFrame) => got.push([n, f.id]));
    await a.send({ id: 0x42, extended: false, fd: false, data: new Uint8Array(8) });
    await clock.runAll();
    expect(got.sort()).toEqual([['b', 0x42], ['c', 0x42]]);
    await expect(transports.open('canbus:reg1@250000', { scheduler: clock.scheduler })).rejects.toThrow(/already open in this process/);
    await expect(transports.open('canbus:reg1,speed=3')).rejects.toThrow(UsageError);
    await expect(transports.open('canbus')).rejects.toThrow(/name the bus/);
    await a.close();
    await b.close();
    expect(openBusNames()).toContain('reg1');
    await c.close();
    expect(openBusNames()).not.toContain('reg1');
  });
});

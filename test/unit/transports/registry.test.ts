import { describe, expect, it } from 'vitest';
import { LinkError } from '../../../src/errors.js';
import { createTransportRegistry, parseLinkSpec, transports } from '../../../src/transports/registry.js';
import type { AdapterEntry, TransportAdapter } from '../../../src/transports/registry.js';
import { VirtualClock } from './virtual-time.js';

describe('parseLinkSpec', () => {
  it('parses kind, address, bit rate and options', () => {
    expect(parseLinkSpec('emulator')).toMatchObject({ kind: 'emulator', address: undefined, bitRate: undefined, options: {} });
    expect(parseLinkSpec('can:vcan0')).toMatchObject({ kind: 'can', address: 'vcan0' });
    expect(parseLinkSpec('uart:/dev/ttyUSB0@115200')).toMatchObject({ kind: 'uart', address: '/dev/ttyUSB0', bitRate: 115200 });
    expect(parseLinkSpec('emulator:can@1000000,latency=2,loss=0.1')).toMatchObject({
      kind: 'emulator',
      address: 'can',
      bitRate: 1_000_000,
      options: { latency: '2', loss: '0.1' },
    });
  });

  it('rejects malformed specs with a UsageError naming the spec', () => {
    expect(() => parseLinkSpec('CAN!')).toThrow(/CAN!/);
    expect(() => parseLinkSpec('emulator,latency')).toThrow(/key=value/);
  });
});

describe('transport registry', () => {
  const fake: TransportAdapter = { open: () => Promise.reject(new Error('not used')) };

  it('loads an adapter lazily, once', async () => {
    let loads = 0;
    const entry: AdapterEntry = { load: () => (loads++, Promise.resolve(fake)), install: 'x' };
    const registry = createTransportRegistry({ emulator: entry });
    expect(loads).toBe(0);
    expect(await registry.load('emulator')).toBe(fake);
    expect(await registry.load('emulator')).toBe(fake);
    expect(loads).toBe(1);
  });

  it('unknown kind: LinkError unsupported_link listing the known kinds', async () => {
    const registry = createTransportRegistry({ emulator: { load: () => Promise.resolve(fake), install: 'x' } });
    const err = await registry.open('bluetooth:foo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect(err).toMatchObject({ code: 'unsupported_link', link: 'bluetooth' });
    expect((err as LinkError).message).toMatch(/known kinds: emulator/);
    await expect(registry.load('toString')).rejects.toMatchObject({ code: 'unsupported_link' });
  });

  it('an adapter whose module fails to load: unsupported_link saying what to install, cause kept, retried later', async () => {
    const missing = new Error("Cannot find package 'socketcan'");
    let attempts = 0;
    const registry = createTransportRegistry({
      can: { load: () => (attempts++, Promise.reject(missing)), install: 'npm install socketcan (Linux only)' },
    });
    const err = await registry.load('can').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unsupported_link', cause: missing });
    expect((err as LinkError).message).toMatch(/npm install socketcan/);
    await registry.load('can').catch(() => undefined);
    expect(attempts).toBe(2);
  });

  it('opens the built-in emulator from a spec: host transport plus in-process peer', async () => {
    const clock = new VirtualClock();
    const { transport, peer } = await transports.open('emulator:can@500000,latency=1,seed=3', { scheduler: clock.scheduler });
    expect(transport.kind).toBe('emulator');
    expect(transport.framing).toBe('can');
    if (transport.framing !== 'can' || peer?.framing !== 'can') throw new Error('expected a CAN pair');
    const got: number[] = [];
    peer.rx$.subscribe((f) => got.push(f.id));
    await transport.send({ id: 0x42, extended: false, fd: false, data: Uint8Array.of(1) });
    await clock.runAll();
    expect(got).toEqual([0x42]);
    await expect(transports.open('emulator,bogus=1')).rejects.toMatchObject({ code: 'bad_link_spec' });
    await expect(transports.open('emulator:uart,loss=lots')).rejects.toMatchObject({ code: 'bad_link_spec' });
  });
});

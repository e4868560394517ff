// HIL: the SocketCAN transport on vcan0 (native vcan or inside hil/with-vcan's UML guest).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LinkError } from '../../src/errors.js';
import { openSocketCan } from '../../src/transports/socketcan.js';
import type { CanFrame } from '../../src/transports/types.js';
import { transportContract } from '../contract/transport-contract.js';

const vcan = existsSync('/sys/class/net/vcan0');

describe.skipIf(!vcan)('socketcan on vcan0', () => {
  transportContract('can (vcan0)', {
    makePair: async () => ({ a: await openSocketCan('vcan0'), b: await openSocketCan('vcan0') }),
    makeUnit: (i): CanFrame => ({
      id: 0x100 + (i % 0x100),
      extended: false,
      fd: false,
      data: Uint8Array.from({ length: i % 9 }, (_, j) => (i + j) & 0xff),
    }),
    bytesOf: (f) => f.data,
    byteStream: false,
    count: 2000,
  });

  it('receives only the identifiers its filters accept', async () => {
    const tx = await openSocketCan('vcan0');
    const rx = await openSocketCan('vcan0', { filters: [{ id: 0x205, mask: 0x7ff }, { id: 0x1234500, mask: 0x1ffffff0, extended: true }] });
    const got: CanFrame[] = [];
    rx.rx$.subscribe((f) => got.push(f));
    const ids: Array<[number, boolean]> = [[0x204, false], [0x205, false], [0x1234505, true], [0x205, true], [0x1234600, true]];
    for (const [id, extended] of ids) await tx.send({ id, extended, fd: false, data: Uint8Array.of(1) });
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((f) => [f.id, f.extended])).toEqual([[0x205, false], [0x1234505, true]]);
    await tx.close();
    await rx.close();
  });

  it('names a missing interface and how to create it', async () => {
    const err = await openSocketCan('vcan9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('link_unavailable');
    expect((err as LinkError).message).toMatch(/vcan9 does not exist: create it with `ip link add dev vcan9 type vcan/);
  });

  it.skipIf(!existsSync('/sys/class/net/vcan1'))('carries CAN FD frames on an FD interface', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['link', 'set', 'down', 'vcan1']);
    execFileSync('ip', ['link', 'set', 'vcan1', 'mtu', '72', 'up']);
    const a = await openSocketCan('vcan1', { fd: true });
    const b = await openSocketCan('vcan1', { fd: true });
    const got = new Promise<CanFrame>((resolve) => b.rx$.subscribe(resolve));
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    await a.send({ id: 0x7ff, extended: false, fd: true, data });
    const f = await got;
    expect(f).toMatchObject({ id: 0x7ff, fd: true });
    expect(f.data).toEqual(data);
    await a.close();
    await b.close();
  });
});

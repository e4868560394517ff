// HIL: the UART transport over a real pty pair (socat).
import { describe, expect, it } from 'vitest';
import { LinkError } from '../../src/errors.js';
import { openUart } from '../../src/transports/uart.js';
import { transportContract } from '../contract/transport-contract.js';
import { has, startPtyPair } from './pty-pair.js';

const socat = has('socat');

describe.skipIf(!socat)('uart over a socat pty pair', () => {
  transportContract('uart (pty pair)', {
    makePair: async () => {
      const pty = await startPtyPair();
      const a = await openUart(pty.a);
      const b = await openUart(pty.b);
      return { a, b, dispose: () => pty.stop() };
    },
    makeUnit: (i) => Uint8Array.from({ length: 1 + (i % 200) }, (_, j) => (i * 31 + j) & 0xff),
    bytesOf: (u) => u,
    byteStream: true,
  });

  it('says the port does not exist, naming it', async () => {
    const err = await openUart('/dev/hilbridge-no-such-tty').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('link_unavailable');
    expect((err as LinkError).message).toMatch(/\/dev\/hilbridge-no-such-tty does not exist/);
  });

  it('says the port is busy when another process holds it', async () => {
    const pty = await startPtyPair();
    try {
      const first = await openUart(pty.a);
      const err = await openUart(pty.a).catch((e: unknown) => e);
      await first.close();
      expect((err as LinkError).code).toBe('link_unavailable');
      expect((err as LinkError).message).toMatch(/busy/);
    } finally {
      await pty.stop();
    }
  });

  it('errors rx$ with link_disconnected when the other end goes away', async () => {
    const pty = await startPtyPair();
    const a = await openUart(pty.a);
    const failed = new Promise<unknown>((resolve) => a.rx$.subscribe({ error: resolve }));
    await pty.stop();
    const err = await failed;
    expect((err as LinkError).code).toBe('link_disconnected');
    await a.close();
  });
});

/**
 * A slow serial line between two processes, for the HIL tests that need to
 * act mid-transfer: a pty pair flashes 125 KB in well under 100 ms (a pty
 * ignores baud rates), too fast to cut. Two socat pty pairs with a relay in
 * this process between them:
 *
 *   board --- pty A (socat) --- relay --- pty B (socat) --- host
 *
 * Bytes toward the board are paced at `bytesPerSecond` (sent every 10 ms);
 * bytes toward the host pass at once. `powerOff()` models the board losing
 * power: bytes in flight toward it are dropped and so is anything sent until
 * `powerOn()` (a real UART to an unpowered board loses them too), so a
 * restarted board never reads the dead session's backlog from the pty buffer.
 */
import { Subscription } from 'rxjs';
import { openUart } from '../../src/transports/uart.js';
import type { UartTransport } from '../../src/transports/uart.js';
import { startPtyPair } from './pty-pair.js';
import type { PtyPair } from './pty-pair.js';

export interface SlowLink {
  /** The port the board (`hilbridge target --uart`) opens. */
  readonly board: string;
  /** The port the host commands open. */
  readonly host: string;
  /** Bytes relayed toward the board so far. */
  toBoard(): number;
  powerOff(): void;
  powerOn(): void;
  stop(): Promise<void>;
}

const TICK_MS = 10;

export async function startSlowLink(bytesPerSecond: number): Promise<SlowLink> {
  const pairs: PtyPair[] = [];
  const ports: UartTransport[] = [];
  const subs = new Subscription();
  let timer: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    clearInterval(timer);
    subs.unsubscribe();
    await Promise.all(ports.map((p) => p.close()));
    await Promise.all(pairs.map((p) => p.stop()));
  };
  try {
    pairs.push(await startPtyPair(), await startPtyPair());
    const [boardPair, hostPair] = pairs as [PtyPair, PtyPair];
    const boardSide = await openUart(boardPair.b);
    ports.push(boardSide);
    const hostSide = await openUart(hostPair.a);
    ports.push(hostSide);
    let queue: Uint8Array[] = [];
    let powered = true;
    let relayed = 0;
    let sending = false;
    const perTick = Math.max(1, Math.round((bytesPerSecond * TICK_MS) / 1000));
    subs.add(hostSide.rx$.subscribe({ next: (b) => void (powered && queue.push(b)), error: () => undefined }));
    subs.add(boardSide.rx$.subscribe({ next: (b) => void hostSide.send(b).catch(() => undefined), error: () => undefined }));
    timer = setInterval(() => {
      if (sending || queue.length === 0) return;
      const parts: Uint8Array[] = [];
      let n = 0;
      while (n < perTick && queue.length > 0) {
        const head = queue[0]!;
        const take = Math.min(head.length, perTick - n);
        parts.push(head.subarray(0, take));
        n += take;
        if (take === head.length) queue.shift();
        else queue[0] = head.subarray(take);
      }
      const chunk = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        chunk.set(p, o);
        o += p.length;
      }
      relayed += n;
      sending = true;
      boardSide
        .send(chunk)
        .catch(() => undefined)
        .finally(() => (sending = false));
    }, TICK_MS);
    return {
      board: boardPair.a,
      host: hostPair.b,
      toBoard: () => relayed,
      powerOff: () => {
        powered = false;
        queue = [];
      },
      powerOn: () => void (powered = true),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

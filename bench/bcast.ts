/**
 * Broadcast provisioning figures (issue 11), in virtual time on the emulator
 * CAN bus at 1 Mbit/s (classic frames, exact bit cost, per-node seeded
 * loss): time to flash N virtual boards in one broadcast session, N = 1 and
 * 16, with no loss and with 1 % random frame loss per node; and the unicast
 * alternative, the same image to each node one after another (29-bit ids,
 * chunk 256, window 16, max frame 276: the CLI's classic-CAN settings).
 * Virtual time makes the figures the bus's, not this machine's.
 * `--json` prints one JSON object per scenario.
 */
import { lastValueFrom } from 'rxjs';
import { VirtualBoard } from '../src/board/board.js';
import { listenBroadcast } from '../src/board/bcast-listener.js';
import { writeHxe } from '../src/hxe/writer.js';
import { bytesImageReader } from '../src/image/reader.js';
import { openCanChannel } from '../src/protocol/channel.js';
import { broadcastFlash, connect, serveTarget, transfer } from '../src/protocol/engine/index.js';
import { ImageKind } from '../src/protocol/messages-types.js';
import { createEmulatorBus } from '../src/transports/emulator-bus.js';
import { VirtualClock } from '../test/unit/transports/virtual-time.js';

const json = process.argv.includes('--json');
const IMAGE_CODE = 48 * 1024;
const code = new Uint8Array(IMAGE_CODE).map((_, i) => (i * 131 + (i >> 7)) & 0xff);
const image = writeHxe({ code, appName: 'bench' });

interface Figure {
  readonly scenario: string;
  readonly nodes: number;
  readonly loss: number;
  readonly timeMs: number;
  readonly ok: boolean;
  readonly repairFrames?: number;
}

function boards(clock: VirtualClock, n: number) {
  const bus = createEmulatorBus({ scheduler: clock.scheduler, bitRate: 1_000_000, seed: 21, name: 'vcan0' });
  const host = bus.attach({ name: 'host' });
  return { bus, host, nodes: (loss: number) => Array.from({ length: n }, (_, i) => ({
    node: i + 1,
    board: VirtualBoard.open({ fram: { memory: new Uint8Array(256 * 1024) }, scheduler: clock.scheduler, nodeId: i + 1, source: 'can_master' }),
    transport: bus.attach({ name: `node${i + 1}`, loss }).transport,
  })) };
}

async function broadcast(n: number, loss: number): Promise<Figure> {
  const clock = new VirtualClock();
  const { bus, host, nodes } = boards(clock, n);
  const list = nodes(loss);
  const listeners = list.map((x) => listenBroadcast(x.board, x.transport, { node: x.node }));
  const r = await clock.until(broadcastFlash(host.transport, list.map((x) => x.node), { bytes: image, kind: ImageKind.hxe }, { scheduler: clock.scheduler, session: 7 }));
  for (const l of listeners) l.close();
  await bus.close();
  return { scenario: 'broadcast', nodes: n, loss, timeMs: r.timeMs, ok: r.ok, repairFrames: r.counters.repairFrames };
}

async function unicast(n: number, loss: number): Promise<Figure> {
  const clock = new VirtualClock();
  const { bus, host, nodes } = boards(clock, n);
  const o = { idFormat: 'ext', fd: false, maxFrame: 276 } as const;
  let ok = true;
  const start = clock.now;
  for (const x of nodes(loss)) {
    const served = serveTarget(openCanChannel(x.transport, { ...o, node: x.node, role: 'target' }), x.board, { scheduler: clock.scheduler });
    const ch = openCanChannel(host.transport, { ...o, node: x.node, role: 'host' });
    const run = async (): Promise<boolean> => {
      const peer = await connect(ch, { scheduler: clock.scheduler });
      const last = await lastValueFrom(transfer(ch, bytesImageReader(image), { peer, scheduler: clock.scheduler, imageKind: ImageKind.hxe, chunk: 256, window: 16 }));
      return last.kind === 'done';
    };
    ok = (await clock.until(run())) && ok;
    await clock.until(served.close());
  }
  const timeMs = clock.now - start;
  await bus.close();
  return { scenario: 'unicast', nodes: n, loss, timeMs: Math.round(timeMs), ok };
}

const figures: Figure[] = [];
for (const loss of [0, 0.01]) {
  for (const n of [1, 16]) figures.push(await broadcast(n, loss));
}
figures.push(await unicast(1, 0));
figures.push(await unicast(16, 0));
figures.push(await unicast(16, 0.01));
const t = (s: string, n: number, loss: number): number => figures.find((f) => f.scenario === s && f.nodes === n && f.loss === loss)!.timeMs;
if (json) for (const f of figures) process.stdout.write(`${JSON.stringify({ event: 'bench', image: image.length, ...f })}\n`);
else {
  process.stdout.write(`broadcast provisioning, ${image.length}-byte HXE image, emulated 1 Mbit/s classic CAN, virtual time\n`);
  for (const f of figures) process.stdout.write(`${f.scenario.padEnd(9)} nodes ${String(f.nodes).padStart(2)} loss ${(f.loss * 100).toFixed(0)} %  ${String(f.timeMs).padStart(7)} ms  ${f.ok ? 'ok' : 'FAILED'}${f.repairFrames === undefined ? '' : `  repair frames ${f.repairFrames}`}\n`);
  process.stdout.write(`16 nodes / 1 node: ${(t('broadcast', 16, 0) / t('broadcast', 1, 0)).toFixed(3)} (no loss, target <= 1.15), ${(t('broadcast', 16, 0.01) / t('broadcast', 1, 0.01)).toFixed(3)} (1 % loss, target <= 1.3)\n`);
  process.stdout.write(`unicast one after another / broadcast, 16 nodes: ${(t('unicast', 16, 0) / t('broadcast', 16, 0)).toFixed(2)} (no loss), ${(t('unicast', 16, 0.01) / t('broadcast', 16, 0.01)).toFixed(2)} (1 % loss)\n`);
}

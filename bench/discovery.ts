/**
 * Discovery benchmark (npm run bench [-- --json] [-- --only=discovery]):
 * `discover` finding 32 virtual boards on the emulated classic CAN bus at
 * 1 Mbit/s, all answering at once, in virtual time (the figure is bus time,
 * not this machine's speed). 20 seeded runs per scenario, every node (the
 * host included) with the scenario's random frame loss; reports the median
 * and the worst time to a stable answer set, the rounds, the frames on the
 * bus, and that every run found all 32.
 */
import { VirtualBoard } from '../src/board/board.js';
import { boardDiscovery } from '../src/board/board-discovery.js';
import { discover } from '../src/protocol/engine/discover.js';
import { serveDiscovery } from '../src/protocol/engine/discover-target.js';
import { createEmulatorBus } from '../src/transports/emulator-bus.js';
import { createRng, mixSeed } from '../src/transports/rng.js';
import { toHex } from '../src/util/hex.js';
import { runUntil } from '../test/unit/protocol/engine/discover-fixture.js';
import { VirtualClock } from '../test/unit/transports/virtual-time.js';

const NODES = 32;
const RUNS = 20;
const json = process.argv.includes('--json');

async function once(seed: number, loss: number): Promise<{ ms: number; rounds: number; found: number; frames: number }> {
  const clock = new VirtualClock();
  const scheduler = clock.scheduler;
  const bus = createEmulatorBus({ scheduler, seed, bitRate: 1_000_000 });
  const host = bus.attach({ name: 'host', loss });
  const ids = createRng(mixSeed(seed, 0xb0a4d));
  const boards: VirtualBoard[] = [];
  const responders: Array<{ close(): void }> = [];
  for (let i = 0; i < NODES; i++) {
    const board = VirtualBoard.open({ fram: { size: 64 * 1024 }, scheduler });
    board.fram.writeTrust({ ...board.fram.trust()!, boardId: toHex(Uint8Array.from({ length: 16 }, () => ids.int(256))) });
    const node = bus.attach({ name: `board${i}`, loss });
    responders.push(serveDiscovery(node.transport, boardDiscovery(board), { scheduler }));
    boards.push(board);
  }
  const nonces = createRng(mixSeed(seed, 0x4e4f));
  const r = await runUntil(clock, discover(host.transport, { scheduler, nonce: () => Math.floor(nonces.next() * 0x1_0000_0000) }));
  for (const x of responders) x.close();
  for (const b of boards) b.close();
  await bus.close();
  return { ms: r.elapsedMs, rounds: r.rounds.length, found: r.nodes.length, frames: bus.stats.frames };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const loss of [0, 0.01, 0.05]) {
  const runs = [];
  for (let seed = 1; seed <= RUNS; seed++) runs.push(await once(seed, loss));
  const figure = {
    scenario: `discover-${NODES}-can-1M-loss${loss * 100}%`,
    nodes: NODES,
    runs: RUNS,
    allFound: runs.every((r) => r.found === NODES),
    medianMs: Math.round(median(runs.map((r) => r.ms)) * 10) / 10,
    maxMs: Math.round(Math.max(...runs.map((r) => r.ms)) * 10) / 10,
    medianRounds: median(runs.map((r) => r.rounds)),
    medianFrames: median(runs.map((r) => r.frames)),
  };
  process.stdout.write(
    json
      ? JSON.stringify(figure) + '\n'
      : `${figure.scenario.padEnd(28)} all found in ${figure.runs} runs: ${figure.allFound ? 'yes' : 'NO'}, median ${figure.medianMs} ms (worst ${figure.maxMs} ms), ${figure.medianRounds} rounds, ${figure.medianFrames} frames on the bus\n`,
  );
}

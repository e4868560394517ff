#!/usr/bin/env node
// A CAN relay that loses frames: node hil/lossy-can-relay.mjs <host-iface> <board-iface> <loss> [seed]
// Forwards every frame between the two interfaces, dropping each host->board frame with
// probability <loss> (seeded, so a run is repeatable); board->host frames all pass. Models a
// receiver that cannot keep up (docs/performance.md: 5-20 % at the default pacing). Uses the
// built SocketCAN transport (npm run build first). Prints {"relay":"ready"} on stdout once both are
// open, and its counts as JSON on SIGTERM.
import { openSocketCan } from '../dist/transports/socketcan.js';

const [hostIf, boardIf, lossArg, seedArg] = process.argv.slice(2);
const loss = Number(lossArg);
if (!hostIf || !boardIf || !(loss >= 0 && loss < 1)) {
  process.stderr.write('usage: lossy-can-relay.mjs <host-iface> <board-iface> <loss 0..1> [seed]\n');
  process.exit(2);
}
let x = Number(seedArg ?? 1) >>> 0 || 1;
const random = () => {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return x / 0x100000000;
};
const host = await openSocketCan(hostIf, { pacing: { burst: 64, gapMs: 1 } });
const board = await openSocketCan(boardIf, { pacing: { burst: 64, gapMs: 1 } });
const counts = { toBoard: 0, dropped: 0, toHost: 0 };
const forward = (to, f) => to.send(f).catch((e) => process.stderr.write(`relay: ${e.message}\n`));
host.rx$.subscribe((f) => {
  if (random() < loss) counts.dropped++;
  else {
    counts.toBoard++;
    void forward(board, f);
  }
});
board.rx$.subscribe((f) => {
  counts.toHost++;
  void forward(host, f);
});
process.on('SIGTERM', () => {
  process.stdout.write(JSON.stringify({ relay: 'stopped', ...counts }) + '\n');
  void Promise.all([host.close(), board.close()]).then(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ relay: 'ready', loss }) + '\n');

#!/usr/bin/env node
// Raw frame rate with the `socketcan` package alone, two processes:
//   hil/with-vcan node hil/bench-socketcan.mjs [--iface vcan0] [--frames 100000] [--burst 32] [--gap-ms 1] [--json]
// A sender sends classic 8-byte frames (id 0x122, a frame counter in the data),
// paced like src/transports/socketcan.ts (a pause of --gap-ms after every
// --burst frames: longer bursts overflow the receiving socket's queue, see
// docs/hil.md); a forked receiver counts what arrives. Rate = frames received
// / (last - first arrival). Lost frames (counter gaps) are reported.
import { Buffer } from 'node:buffer';
import { setTimeout } from 'node:timers';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
};
const iface = arg('iface', 'vcan0');
const frames = Number(arg('frames', 100000));
const burst = Number(arg('burst', 32));
const gapMs = Number(arg('gap-ms', 1));
const json = process.argv.includes('--json');
const ID = 0x122;
const END_ID = 0x123;

function loadSocketCan() {
  const require = createRequire(import.meta.url);
  for (const c of ['socketcan', join(ROOT, 'node_modules/.hilbridge-native/node_modules/socketcan')]) {
    try {
      return require(c);
    } catch {
      // next candidate
    }
  }
  throw new Error('socketcan is not installed: node hil/build-socketcan.mjs');
}

if (!existsSync(`/sys/class/net/${iface}`)) {
  console.error(`${iface} does not exist: run under hil/with-vcan`);
  process.exit(3);
}
const can = loadSocketCan();

if (process.argv.includes('--receiver')) {
  const ch = can.createRawChannel(iface, false);
  let count = 0;
  let lost = 0;
  let next = 0;
  let first = 0;
  let last = 0;
  ch.setRxFilters([{ id: ID, mask: 0x7fe }]);
  ch.addListener('onMessage', (m) => {
    if (m.id === END_ID) {
      ch.stop();
      process.send({ count, lost: lost + (m.data.readUInt32LE(0) - next), seconds: (Number(last - first) / 1e9), bytes: count * 8 }, () => process.exit(0));
      return;
    }
    const now = process.hrtime.bigint();
    if (count === 0) first = now;
    last = now;
    const n = m.data.readUInt32LE(0);
    if (n > next) lost += n - next;
    next = n + 1;
    count++;
  });
  ch.start();
  process.send({ ready: true });
} else {
  const rx = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), '--receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise((resolve, reject) => {
    rx.on('message', (m) => (m.ready ? start() : resolve(m)));
    rx.on('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  const tx = can.createRawChannelWithOptions(iface, { non_block_send: true });
  tx.start();
  let sent = 0;
  let enobufs = 0;
  let t0 = 0n;
  const frame = (id, n) => {
    const data = Buffer.alloc(8, 0x55);
    data.writeUInt32LE(n, 0);
    return { id, data };
  };
  function pump() {
    let inBurst = 0;
    while (sent < frames && inBurst < burst) {
      if (tx.send(frame(ID, sent)) < 0) {
        enobufs++;
        break;
      }
      sent++;
      inBurst++;
    }
    if (sent < frames) setTimeout(pump, gapMs);
    else setTimeout(() => tx.send(frame(END_ID, sent)), 50); // let the receiver drain first
  }
  function start() {
    t0 = process.hrtime.bigint();
    pump();
  }
  const r = await result;
  tx.stop();
  const sendSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = {
    bench: 'socketcan-raw', iface, frames, burst, gapMs, received: r.count, lost: r.lost, enobufsRetries: enobufs,
    framesPerSecond: Math.round(r.count / r.seconds), payloadBytesPerSecond: Math.round(r.bytes / r.seconds), seconds: +r.seconds.toFixed(3), wallSeconds: +sendSeconds.toFixed(3),
  };
  console.log(json ? JSON.stringify(out) : `socketcan ${iface}: ${out.received}/${frames} frames in ${out.seconds} s: ${out.framesPerSecond} frames/s, ${out.payloadBytesPerSecond} payload B/s (burst ${burst}, gap ${gapMs} ms, lost ${out.lost}, ENOBUFS ${enobufs})`);
}

#!/usr/bin/env node
// Raw pty pair rate with socat alone (no hilbridge code), two processes:
//   node hil/bench-pty.mjs [--mib 16] [--rtts 1000] [--json]
// socat makes a pty pair; this process writes --mib MiB of random bytes into
// one end with `serialport` (the package the UART transport uses), a forked
// child reads them from the other end and reports when it has all of them
// (throughput = bytes / (first write .. last byte read)). Then the child
// echoes single bytes: --rtts one-byte round trips, median and p99.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
};
const open = (path) =>
  new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    p.open((e) => (e ? reject(e) : resolve(p)));
  });

if (process.argv.includes('--child')) {
  const port = await open(arg('path'));
  const total = Number(arg('bytes'));
  let got = 0;
  let echo = false;
  port.on('data', (d) => {
    if (echo) return void port.write(d);
    got += d.length;
    if (got >= total) {
      echo = true;
      process.send({ got });
    }
  });
  process.send({ ready: true });
} else {
  const mib = Number(arg('mib', 16));
  const rtts = Number(arg('rtts', 1000));
  const json = process.argv.includes('--json');
  const dir = mkdtempSync(join(tmpdir(), 'bench-pty-'));
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
    await new Promise((r) => setTimeout(r, 10));
  }
  const total = mib * 1024 * 1024;
  const child = fork(fileURLToPath(import.meta.url), ['--child', '--path', b, '--bytes', String(total)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  let wake = () => undefined;
  child.on('message', (m) => {
    messages.push(m);
    wake();
  });
  const nextMessage = () => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((r) => (wake = () => r(messages.shift()))));
  await nextMessage(); // ready
  const port = await open(a);
  const block = randomBytes(64 * 1024);
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += block.length) {
    if (!port.write(block)) await new Promise((r) => port.once('drain', r));
  }
  await nextMessage(); // all bytes read by the child
  const seconds = (performance.now() - t0) / 1000;
  const samples = [];
  for (let i = 0; i < rtts; i++) {
    const back = new Promise((r) => port.once('data', r));
    const s = performance.now();
    port.write(Buffer.of(i & 0xff));
    await back;
    samples.push(performance.now() - s);
  }
  samples.sort((x, y) => x - y);
  const q = (p) => +samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(3);
  const out = { bench: 'pty-raw', bytes: total, seconds: +seconds.toFixed(3), bytesPerSecond: Math.round(total / seconds), rtts, rttMedianMs: q(0.5), rttP99Ms: q(0.99) };
  console.log(json ? JSON.stringify(out) : `socat pty pair: ${mib} MiB in ${out.seconds} s = ${(out.bytesPerSecond / 1048576).toFixed(1)} MiB/s; one-byte round trip median ${out.rttMedianMs} ms, p99 ${out.rttP99Ms} ms (${rtts})`);
  port.close();
  child.kill();
  socat.kill();
  rmSync(dir, { recursive: true, force: true });
}

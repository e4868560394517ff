#!/usr/bin/env node
// Postinstall: make the optional native `socketcan` addon available.
//
// npm installs optionalDependencies whose `engines` do not match as inert
// (silently skipped): socketcan 4.3.1 says node >= 22, but builds and runs on
// Node 20. When npm skipped it, build it into node_modules/.hilbridge-native
// (npm leaves dot-directories alone), where src/transports/socketcan-native.ts
// looks second. A failed build never fails the install: CAN links then report
// LinkError('unsupported_link') with how to retry. Always exits 0.
//
// The side install is `npm ci` from hil/socketcan-build/package-lock.json, so
// socketcan's own tree (node-gyp and the rest) is pinned like the project's.
// To move to another socketcan: edit that package.json (and optionalDependencies
// in the project's), and run `npm install --package-lock-only --ignore-scripts` there.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const side = join(root, 'node_modules', '.hilbridge-native');
const pinned = join(root, 'hil', 'socketcan-build');
const VERSION = JSON.parse(readFileSync(join(pinned, 'package.json'), 'utf8')).dependencies.socketcan;

function built(dir) {
  return existsSync(join(dir, 'socketcan', 'build', 'Release', 'can.node'));
}

function warn(lines) {
  const bar = '!'.repeat(72);
  process.stderr.write([bar, ...lines.map((l) => `!! ${l}`), bar, ''].join('\n'));
}

if (process.platform !== 'linux') process.exit(0);
try {
  const pkg = createRequire(join(root, 'package.json')).resolve('socketcan/package.json');
  if (built(dirname(dirname(pkg)))) process.exit(0); // npm installed it (Node >= 22)
} catch {
  // not installed by npm: build it beside
}
// Built from this lockfile already? (An older or unpinned side install is rebuilt.)
const lockOf = (dir) => {
  try {
    return readFileSync(join(dir, 'package-lock.json'), 'utf8');
  } catch {
    return null;
  }
};
if (built(join(side, 'node_modules')) && lockOf(side) === lockOf(pinned)) process.exit(0);

mkdirSync(side, { recursive: true });
for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(pinned, f), join(side, f));
// The parent npm's lifecycle variables must not leak into the nested install.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_(package|lifecycle|config_(?!registry|cache|cafile|nodedir|proxy|https_proxy))/i.test(k),
  ),
);
// node-gyp cannot download Node headers here: point it at the installed ones.
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
try {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--omit=dev', '--prefix', side], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
} catch (e) {
  const stderr = e && typeof e === 'object' && 'stderr' in e ? String(e.stderr).split('\n').slice(-8) : [String(e)];
  warn([
    `socketcan ${VERSION} (native SocketCAN addon) could not be built: CAN links (--can) are unavailable,`,
    'everything else works. It needs g++, make, python3 and Node headers (/usr/include/node).',
    'Retry with: node hil/build-socketcan.mjs',
    ...stderr,
  ]);
  process.exit(0);
}
if (!built(join(side, 'node_modules'))) {
  warn([`socketcan ${VERSION} installed but its build/Release/can.node is missing: CAN links are unavailable.`]);
}

/**
 * Lazy loading of the optional native `socketcan` addon, and the interface
 * checks that turn its opaque "Error while creating channel" into messages a
 * bench engineer can act on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as SocketCan from 'socketcan';
import { LinkError } from '../errors.js';

export type SocketCanModule = typeof SocketCan;

let loaded: Promise<SocketCanModule> | undefined;

/** Where the addon may live: npm's place first, then hil/build-socketcan.mjs's. */
function candidates(): string[] {
  const out = ['socketcan'];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const side = join(dir, 'node_modules', '.hilbridge-native', 'node_modules', 'socketcan');
    if (existsSync(side)) out.push(side);
    const up = dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}

/** Load `socketcan` once; LinkError('unsupported_link') saying how to install it when missing. */
export function loadSocketCan(link: string): Promise<SocketCanModule> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const errors: unknown[] = [];
    for (const c of candidates()) {
      try {
        const mod = (await import(pathToFileURL(require.resolve(c)).href)) as { default: SocketCanModule };
        return mod.default;
      } catch (e) {
        errors.push(e);
      }
    }
    throw new LinkError(
      'unsupported_link',
      link,
      `${link}: CAN links need the optional native module socketcan@4.3.1, which is not installed or did not build. ` +
        'Build it with `node hil/build-socketcan.mjs` (needs g++, make, python3 and Node headers in /usr/include/node), ' +
        'or use a UART link.',
      { cause: errors.at(-1) },
    );
  })();
  const p = loaded;
  p.catch(() => {
    if (loaded === p) loaded = undefined; // let a later call retry after an install
  });
  return p;
}

/** ARPHRD_CAN from linux/if_arp.h: the `type` of a CAN network interface. */
const ARPHRD_CAN = 280;

function sysfs(iface: string, attr: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${iface}/${attr}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Why `iface` cannot carry CAN now (missing, not CAN, down, no FD), or undefined when it can. */
export function interfaceProblem(iface: string, fd: boolean): LinkError | undefined {
  const create = `create it with \`ip link add dev ${iface} type vcan && ip link set up ${iface}\`, or run under hil/with-vcan`;
  const type = sysfs(iface, 'type');
  if (type === undefined) {
    return new LinkError('link_unavailable', iface, `${iface} does not exist: ${create} (for a real adapter, check it is plugged in and its driver loaded: ip -br link)`);
  }
  if (Number(type) !== ARPHRD_CAN) {
    return new LinkError('link_unavailable', iface, `${iface} is not a CAN interface (type ${type}): pick one from \`ip -br link\``);
  }
  const flags = Number(sysfs(iface, 'flags') ?? '0');
  if ((flags & 1) === 0) {
    return new LinkError('link_unavailable', iface, `${iface} is down: bring it up with \`ip link set up ${iface}\` (real adapters also need a bitrate: ip link set ${iface} type can bitrate 500000)`);
  }
  if (fd && Number(sysfs(iface, 'mtu') ?? '0') < 72) {
    return new LinkError('link_unavailable', iface, `${iface} is not in CAN FD mode (MTU ${sysfs(iface, 'mtu')}): \`ip link set ${iface} mtu 72\` for vcan, or \`... type can fd on dbitrate <n>\` for an adapter; or drop --fd`);
  }
  return undefined;
}

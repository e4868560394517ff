/**
 * The CAN interfaces of this machine, for `hilbridge ports`: every network
 * interface whose /sys/class/net/<name>/type is 280 (ARPHRD_CAN), up or down
 * from its flags (IFF_UP) and operstate, and the bit rate where the kernel
 * reports it (`ip -details -json link show`: linkinfo.info_data.bittiming;
 * vcan has none). `ip` runs only when present, bounded in time and output.
 * The sysfs root and the `ip` command are parameters so tests use a fake tree.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** ARPHRD_CAN, the link type of CAN interfaces. */
export const ARPHRD_CAN = 280;
const IFF_UP = 0x1;

export interface CanInterfaceEntry {
  readonly name: string;
  readonly state: 'up' | 'down';
  /** The kernel's operstate as it is ("up", "down", "unknown": vcan reports unknown when up). */
  readonly operstate: string | null;
  /** Nominal bit rate, bit/s, or null when the kernel does not report one (vcan, or `ip` missing). */
  readonly bitRate: number | null;
  /** CAN FD data-phase bit rate, bit/s, or null. */
  readonly dataBitRate: number | null;
}

export interface CanListOptions {
  /** Where sysfs is (default '/sys'). */
  readonly sysRoot?: string;
  /** The `ip` program (default 'ip' on PATH); null: do not run it. */
  readonly ip?: string | null;
  /** How long `ip` may take, ms (default 2000). */
  readonly ipTimeoutMs?: number;
}

export interface CanListing {
  readonly interfaces: readonly CanInterfaceEntry[];
  /** Why bit rates are missing (no `ip`, it failed or timed out), or null. */
  readonly bitRateNote: string | null;
}

const read = (path: string): Promise<string | undefined> => readFile(path, 'utf8').then((s) => s.trim(), () => undefined);

/** List the CAN interfaces (none when /sys/class/net cannot be read). */
export async function listCanInterfaces(o: CanListOptions = {}): Promise<CanListing> {
  const netDir = join(o.sysRoot ?? '/sys', 'class', 'net');
  const names = (await readdir(netDir).catch(() => [] as string[])).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const found: { name: string; up: boolean; operstate: string | null }[] = [];
  for (const name of names) {
    if (Number(await read(join(netDir, name, 'type'))) !== ARPHRD_CAN) continue;
    const operstate = (await read(join(netDir, name, 'operstate'))) ?? null;
    const flags = Number(await read(join(netDir, name, 'flags')));
    const up = Number.isInteger(flags) ? (flags & IFF_UP) !== 0 : operstate === 'up';
    found.push({ name, up, operstate });
  }
  if (found.length === 0) return { interfaces: [], bitRateNote: null };
  const rates = await bitRates(o.ip === undefined ? 'ip' : o.ip, o.ipTimeoutMs ?? 2000);
  return {
    interfaces: found.map((f) => ({ name: f.name, state: f.up ? 'up' : 'down', operstate: f.operstate, bitRate: rates.byName.get(f.name)?.bitRate ?? null, dataBitRate: rates.byName.get(f.name)?.dataBitRate ?? null })),
    bitRateNote: rates.note,
  };
}

interface Rates {
  readonly byName: Map<string, { bitRate: number | null; dataBitRate: number | null }>;
  readonly note: string | null;
}

/** Bit rates from `ip -details -json link show`, or a note saying why there are none. */
function bitRates(ip: string | null, timeoutMs: number): Promise<Rates> {
  if (ip === null) return Promise.resolve({ byName: new Map(), note: 'ip not run' });
  return new Promise((resolve) => {
    execFile(ip, ['-details', '-json', 'link', 'show'], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout) => {
      if (err !== null) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const why = e.code === 'ENOENT' ? `\`${ip}\` (iproute2) is not installed` : e.killed === true ? `\`${ip}\` took longer than ${timeoutMs} ms` : `\`${ip}\` failed: ${err.message}`;
        resolve({ byName: new Map(), note: why });
        return;
      }
      try {
        resolve({ byName: parseIpLinks(stdout), note: null });
      } catch (cause) {
        resolve({ byName: new Map(), note: `\`${ip}\` printed what is not its JSON (${cause instanceof Error ? cause.message : String(cause)})` });
      }
    });
  });
}

/** `ip -details -json link show` output: the CAN bit timing of each link that has one. */
export function parseIpLinks(text: string): Map<string, { bitRate: number | null; dataBitRate: number | null }> {
  const out = new Map<string, { bitRate: number | null; dataBitRate: number | null }>();
  const links = JSON.parse(text) as unknown;
  if (!Array.isArray(links)) throw new Error('not a list of links');
  for (const l of links as { ifname?: unknown; linkinfo?: { info_data?: { bittiming?: { bitrate?: unknown }; data_bittiming?: { bitrate?: unknown } } } }[]) {
    if (typeof l.ifname !== 'string') continue;
    const data = l.linkinfo?.info_data;
    const rate = (v: unknown): number | null => (typeof v === 'number' && v > 0 ? v : null);
    out.set(l.ifname, { bitRate: rate(data?.bittiming?.bitrate), dataBitRate: rate(data?.data_bittiming?.bitrate) });
  }
  return out;
}

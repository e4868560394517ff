/**
 * The serial ports of this machine, for `hilbridge ports`: serialport's
 * `SerialPort.list()` (udev's view: path, USB vendor and product id, serial
 * number, manufacturer), each with the /dev/serial/by-id/ link that points at
 * it, a name that survives replugging. Where udev's `udevadm` is missing
 * (containers, minimal systems) serialport cannot list; the ports are then
 * read from /sys/class/tty, with the USB fields from the device's sysfs
 * attributes. Roots are parameters so tests run on a fake tree.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SerialPort } from 'serialport';
import { LinkError } from '../errors.js';

export interface SerialPortEntry {
  readonly path: string;
  /** The /dev/serial/by-id/ link to this port, or null when none points at it. */
  readonly byId: string | null;
  /** USB vendor and product id, 4 lowercase hex digits each, or null (not USB, or not reported). */
  readonly vendorId: string | null;
  readonly productId: string | null;
  readonly serialNumber: string | null;
  readonly manufacturer: string | null;
}

/** What serialport's list gives (its PortInfo, the fields used here). */
export interface ListedPort {
  readonly path: string;
  readonly manufacturer?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
}

export interface SerialListOptions {
  /** serialport's list (default `SerialPort.list`). */
  readonly list?: () => Promise<readonly ListedPort[]>;
  /** Where /dev is (default '/dev'). */
  readonly devRoot?: string;
  /** Where sysfs is (default '/sys'). */
  readonly sysRoot?: string;
}

export interface SerialListing {
  readonly ports: readonly SerialPortEntry[];
  /** 'serialport' (udev), or 'sysfs' when udevadm is missing. */
  readonly source: 'serialport' | 'sysfs';
}

/** Device names serialport lists on Linux (its linux-list.js filter). */
const SERIAL_NAME = /^(tty(S|WCH|ACM|USB|AMA|MFD|O|XRUSB)|rfcomm)/;

const orNull = (v: string | undefined): string | null => (v === undefined || v.trim() === '' ? null : v.trim());

/** List the serial ports; LinkError when neither serialport nor sysfs can say. */
export async function listSerialPorts(o: SerialListOptions = {}): Promise<SerialListing> {
  const devRoot = o.devRoot ?? '/dev';
  const sysRoot = o.sysRoot ?? '/sys';
  let listed: readonly ListedPort[];
  let source: SerialListing['source'] = 'serialport';
  try {
    listed = await (o.list ?? (() => SerialPort.list()))();
  } catch (cause) {
    if (!isMissingUdevadm(cause)) {
      throw new LinkError('link_unavailable', 'serial ports', `cannot list serial ports: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    listed = await listFromSysfs(sysRoot, devRoot);
    source = 'sysfs';
  }
  const byId = await byIdLinks(join(devRoot, 'serial', 'by-id'));
  const ports: SerialPortEntry[] = [];
  for (const p of listed) {
    const real = await realpath(p.path).catch(() => p.path);
    ports.push({
      path: p.path,
      byId: byId.get(real) ?? null,
      vendorId: orNull(p.vendorId)?.toLowerCase() ?? null,
      productId: orNull(p.productId)?.toLowerCase() ?? null,
      serialNumber: orNull(p.serialNumber),
      manufacturer: orNull(p.manufacturer),
    });
  }
  ports.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  return { ports, source };
}

function isMissingUdevadm(e: unknown): boolean {
  const x = e as { code?: unknown; path?: unknown; syscall?: unknown };
  return x.code === 'ENOENT' && (x.path === 'udevadm' || String(x.syscall).includes('udevadm'));
}

/** The by-id links, keyed by the device each resolves to. */
async function byIdLinks(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const link = join(dir, name);
    const target = await realpath(link).catch(() => undefined);
    if (target !== undefined && !out.has(target)) out.set(target, link);
  }
  return out;
}

/** Serial ports from /sys/class/tty: those with a device behind them, USB fields from the nearest USB device above. */
async function listFromSysfs(sysRoot: string, devRoot: string): Promise<ListedPort[]> {
  const ttyDir = join(sysRoot, 'class', 'tty');
  const names = await readdir(ttyDir).catch((cause: unknown) => {
    throw new LinkError('link_unavailable', 'serial ports', `cannot list serial ports: udevadm is not installed and ${ttyDir} cannot be read`, { cause });
  });
  const out: ListedPort[] = [];
  for (const name of names) {
    if (!SERIAL_NAME.test(name)) continue;
    const device = await realpath(join(ttyDir, name, 'device')).catch(() => undefined);
    if (device === undefined) continue; // no hardware behind it (an unused ttyS slot, a virtual console)
    out.push({ path: join(devRoot, name), ...(await usbFields(device, sysRoot)) });
  }
  return out;
}

async function usbFields(device: string, sysRoot: string): Promise<Omit<ListedPort, 'path'>> {
  const attr = (dir: string, name: string): Promise<string | undefined> => readFile(join(dir, name), 'utf8').then((s) => s.trim(), () => undefined);
  let dir = device;
  for (let i = 0; i < 8 && dir.startsWith(sysRoot) && dir !== sysRoot; i++, dir = dirname(dir)) {
    const vendorId = await attr(dir, 'idVendor');
    if (vendorId === undefined) continue;
    return { vendorId, productId: await attr(dir, 'idProduct'), serialNumber: await attr(dir, 'serial'), manufacturer: await attr(dir, 'manufacturer') };
  }
  return {};
}

/**
 * `hilbridge ports [--json]`: what a link option could name on this machine.
 * Serial ports (path, the /dev/serial/by-id/ link to it, USB VID:PID, serial
 * number, manufacturer) and CAN interfaces (name, up or down, bit rate where
 * the kernel reports it). Text is two tables; --json one
 * `{"event":"port","kind":"uart"|"can",...}` line per port and a `ports_summary`.
 * Exit 0, also when nothing is found; 3 when serial ports cannot be listed.
 */
import type { Command } from 'commander';
import { listCanInterfaces } from '../../transports/can-ports.js';
import type { CanListOptions, CanListing } from '../../transports/can-ports.js';
import { listSerialPorts } from '../../transports/uart-ports.js';
import type { SerialListOptions, SerialListing } from '../../transports/uart-ports.js';
import { ExitCode, action } from '../run.js';
import { lineText } from '../json/index.js';
import type { JsonLine } from '../json/index.js';

interface PortsOptions {
  json?: boolean;
}

/** Where the listings look (tests point them at a fake tree). */
export type PortsDeps = SerialListOptions & CanListOptions;

export function register(program: Command): void {
  program
    .command('ports')
    .description('list serial ports and CAN interfaces a link option can name (--uart, --can)')
    .option('--json', 'one JSON object per port per line, then a summary')
    .action(action((opts: PortsOptions) => run(opts), (opts) => opts.json === true));
}

export async function run(opts: PortsOptions, deps: PortsDeps = {}): Promise<ExitCode> {
  const [serial, can] = await Promise.all([listSerialPorts(deps), listCanInterfaces(deps)]);
  process.stdout.write(opts.json === true ? portsJson(serial, can) : portsText(serial, can));
  return ExitCode.Ok;
}

export function portsJson(serial: SerialListing, can: CanListing): string {
  const lines: JsonLine[] = [
    ...serial.ports.map((p) => ({ event: 'port' as const, kind: 'uart' as const, ...p })),
    ...can.interfaces.map((c) => ({ event: 'port' as const, kind: 'can' as const, ...c })),
    { event: 'ports_summary', serialPorts: serial.ports.length, serialSource: serial.source, canInterfaces: can.interfaces.length, bitRateNote: can.bitRateNote },
  ];
  return lines.map(lineText).join('');
}

/** Rows as aligned columns, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n').join('');
}

export function portsText(serial: SerialListing, can: CanListing): string {
  let out = '';
  const viaSysfs = serial.source === 'sysfs' ? ' (udevadm not found: read from /sys/class/tty)' : '';
  if (serial.ports.length === 0) {
    out += `no serial ports found${viaSysfs}\n`;
  } else {
    out += `serial ports${viaSysfs}\n`;
    const d = (v: string | null): string => v ?? '-';
    out += table([
      ['PATH', 'BY-ID', 'USB', 'SERIAL', 'MANUFACTURER'],
      ...serial.ports.map((p) => [p.path, d(p.byId), p.vendorId === null ? '-' : `${p.vendorId}:${p.productId ?? '????'}`, d(p.serialNumber), d(p.manufacturer)]),
    ]);
  }
  if (can.interfaces.length === 0) {
    out += 'no CAN interfaces found\n';
  } else {
    out += 'CAN interfaces\n';
    const rate = (r: number | null, data: number | null): string =>
      r === null ? `bit rate not reported${can.bitRateNote === null ? '' : ` (${can.bitRateNote})`}` : `${r} bit/s${data === null ? '' : `, data ${data} bit/s`}`;
    out += table([['NAME', 'STATE', 'BIT RATE'], ...can.interfaces.map((c) => [c.name, c.state, rate(c.bitRate, c.dataBitRate)])]);
  }
  return out;
}

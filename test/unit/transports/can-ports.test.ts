/** CAN interfaces from a fake /sys tree, bit rates from an `ip` stand-in that prints what iproute2 prints. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listCanInterfaces, parseIpLinks } from '../../../src/transports/can-ports.js';
import { portsJson, portsText } from '../../../src/cli/commands/ports.js';
import { parseJsonLine } from '../../../src/cli/json/index.js';

const root = mkdtempSync(join(tmpdir(), 'hilbridge-sysfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function netdev(sys: string, name: string, type: number, operstate: string, flags: string): void {
  const d = join(sys, 'class', 'net', name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'type'), `${type}\n`);
  writeFileSync(join(d, 'operstate'), `${operstate}\n`);
  writeFileSync(join(d, 'flags'), `${flags}\n`);
}

/** An executable printing `json` as `ip -details -json link show` would. */
function fakeIp(json: unknown): string {
  const path = join(root, `ip-${Math.random().toString(16).slice(2)}`);
  writeFileSync(path, `#!/bin/sh\n[ "$*" = "-details -json link show" ] || exit 9\ncat <<'X'\n${JSON.stringify(json)}\nX\n`);
  chmodSync(path, 0o755);
  return path;
}

const IP_OUTPUT = [
  { ifname: 'lo', linkinfo: undefined },
  { ifname: 'can0', linkinfo: { info_kind: 'can', info_data: { state: 'ERROR-ACTIVE', bittiming: { bitrate: 500000, sample_point: '0.875' } } } },
  { ifname: 'can1', linkinfo: { info_kind: 'can', info_data: { bittiming: { bitrate: 1000000 }, data_bittiming: { bitrate: 5000000 } } } },
  { ifname: 'vcan0', linkinfo: { info_kind: 'vcan' } },
];

describe('CAN interfaces', () => {
  const sys = join(root, 'sys');
  netdev(sys, 'eth0', 1, 'up', '0x1003');
  netdev(sys, 'can0', 280, 'up', '0x40c1');
  netdev(sys, 'can1', 280, 'down', '0x80');
  netdev(sys, 'vcan0', 280, 'unknown', '0xc1');

  it('lists type-280 interfaces only, up/down from IFF_UP (vcan is "unknown" when up), bit rates from ip where the kernel reports one', async () => {
    const l = await listCanInterfaces({ sysRoot: sys, ip: fakeIp(IP_OUTPUT) });
    expect(l.bitRateNote).toBeNull();
    expect(l.interfaces).toEqual([
      { name: 'can0', state: 'up', operstate: 'up', bitRate: 500000, dataBitRate: null },
      { name: 'can1', state: 'down', operstate: 'down', bitRate: 1000000, dataBitRate: 5000000 },
      { name: 'vcan0', state: 'up', operstate: 'unknown', bitRate: null, dataBitRate: null },
    ]);
    const text = portsText({ ports: [], source: 'serialport' }, l);
    expect(text).toContain('no serial ports found');
    expect(text).toMatch(/^ {2}can0 +up +500000 bit\/s$/m);
    expect(text).toMatch(/^ {2}can1 +down +1000000 bit\/s, data 5000000 bit\/s$/m);
    expect(text).toMatch(/^ {2}vcan0 +up +bit rate not reported$/m);
    const json = portsJson({ ports: [], source: 'serialport' }, l).trim().split('\n').map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(json[0]).toEqual({ event: 'port', kind: 'can', name: 'can0', state: 'up', operstate: 'up', bitRate: 500000, dataBitRate: null });
    expect(json.at(-1)).toMatchObject({ event: 'ports_summary', serialPorts: 0, canInterfaces: 3 });
    for (const line of json) expect(() => parseJsonLine(line)).not.toThrow(); // the schemas of docs/schemas
  });

  it('without ip every bit rate is "not reported", saying why', async () => {
    const l = await listCanInterfaces({ sysRoot: sys, ip: join(root, 'no-such-ip') });
    expect(l.interfaces.map((i) => i.bitRate)).toEqual([null, null, null]);
    expect(l.bitRateNote).toContain('is not installed');
    expect(portsText({ ports: [], source: 'serialport' }, l)).toMatch(/can0 +up +bit rate not reported \(`.*no-such-ip` \(iproute2\) is not installed\)/);
  });

  it('an ip that hangs is cut off at its time bound', async () => {
    const hang = join(root, 'ip-hang');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(hang, 0o755);
    const t0 = Date.now();
    const l = await listCanInterfaces({ sysRoot: sys, ip: hang, ipTimeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(l.bitRateNote).toContain('took longer than 200 ms');
  });

  it('no CAN interface (or no /sys/class/net): none, and ip is not run', async () => {
    expect(await listCanInterfaces({ sysRoot: join(root, 'empty'), ip: join(root, 'no-such-ip') })).toEqual({ interfaces: [], bitRateNote: null });
    expect(portsText({ ports: [], source: 'serialport' }, { interfaces: [], bitRateNote: null })).toBe('no serial ports found\nno CAN interfaces found\n');
  });

  it('parseIpLinks reads the bit timing and ignores links without one', () => {
    const m = parseIpLinks(JSON.stringify(IP_OUTPUT));
    expect(m.get('can0')).toEqual({ bitRate: 500000, dataBitRate: null });
    expect(m.get('vcan0')).toEqual({ bitRate: null, dataBitRate: null });
    expect(() => parseIpLinks('{}')).toThrow();
  });
});

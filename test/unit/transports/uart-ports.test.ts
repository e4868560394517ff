/** Serial ports: serialport's list with the by-id links resolved, and the /sys/class/tty fallback where udevadm is missing (fake trees). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSerialPorts } from '../../../src/transports/uart-ports.js';
import { portsText } from '../../../src/cli/commands/ports.js';

const root = mkdtempSync(join(tmpdir(), 'hilbridge-tty-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dev = join(root, 'dev');
const sys = join(root, 'sys');
mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
for (const n of ['ttyUSB0', 'ttyACM0', 'ttyS0']) writeFileSync(join(dev, n), '');
symlinkSync('../../ttyUSB0', join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A10K5ABC-if00-port0'));
// sysfs: ttyUSB0 under a USB device with its attributes, ttyS0 on a platform device, tty1 a console without one
const usb = join(sys, 'devices', 'pci0000:00', 'usb1', '1-1');
mkdirSync(join(usb, '1-1:1.0', 'ttyUSB0'), { recursive: true });
for (const [k, v] of [['idVendor', '0403'], ['idProduct', '6001'], ['serial', 'A10K5ABC'], ['manufacturer', 'FTDI']]) writeFileSync(join(usb, k!), `${v}\n`);
mkdirSync(join(sys, 'devices', 'platform', 'serial8250'), { recursive: true });
mkdirSync(join(sys, 'class', 'tty', 'ttyUSB0'), { recursive: true });
symlinkSync(join(usb, '1-1:1.0', 'ttyUSB0'), join(sys, 'class', 'tty', 'ttyUSB0', 'device'));
mkdirSync(join(sys, 'class', 'tty', 'ttyS0'), { recursive: true });
symlinkSync(join(sys, 'devices', 'platform', 'serial8250'), join(sys, 'class', 'tty', 'ttyS0', 'device'));
mkdirSync(join(sys, 'class', 'tty', 'ttyS1'), { recursive: true }); // no device: not a port
mkdirSync(join(sys, 'class', 'tty', 'tty1'), { recursive: true });

const missingUdevadm = (): Promise<never> => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', syscall: 'spawn udevadm', path: 'udevadm' }));

describe('serial ports', () => {
  it('serialport listing no ports: "no serial ports found"', async () => {
    const l = await listSerialPorts({ list: () => Promise.resolve([]), devRoot: dev, sysRoot: sys });
    expect(l).toEqual({ ports: [], source: 'serialport' });
    expect(portsText(l, { interfaces: [], bitRateNote: null })).toMatch(/^no serial ports found\n/);
  });

  it("serialport's entries get their by-id link; the USB fields are kept, lower case", async () => {
    const l = await listSerialPorts({
      list: () => Promise.resolve([
        { path: join(dev, 'ttyUSB0'), manufacturer: 'FTDI', serialNumber: 'A10K5ABC', vendorId: '0403', productId: '6001' },
        { path: join(dev, 'ttyACM0'), manufacturer: undefined, serialNumber: undefined, vendorId: '2E8A', productId: '000A' },
      ]),
      devRoot: dev, sysRoot: sys,
    });
    expect(l.ports).toEqual([
      { path: join(dev, 'ttyACM0'), byId: null, vendorId: '2e8a', productId: '000a', serialNumber: null, manufacturer: null },
      { path: join(dev, 'ttyUSB0'), byId: join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A10K5ABC-if00-port0'), vendorId: '0403', productId: '6001', serialNumber: 'A10K5ABC', manufacturer: 'FTDI' },
    ]);
    const text = portsText(l, { interfaces: [], bitRateNote: null });
    expect(text).toMatch(/^serial ports\n {2}PATH +BY-ID +USB +SERIAL +MANUFACTURER\n/);
    expect(text).toMatch(/ttyUSB0 +\S+usb-FTDI_FT232R_USB_UART_A10K5ABC-if00-port0 +0403:6001 +A10K5ABC +FTDI\n/);
  });

  it('without udevadm the ports come from /sys/class/tty: those with a device, USB fields from the USB device above', async () => {
    const l = await listSerialPorts({ list: missingUdevadm, devRoot: dev, sysRoot: sys });
    expect(l.source).toBe('sysfs');
    expect(l.ports).toEqual([
      { path: join(dev, 'ttyS0'), byId: null, vendorId: null, productId: null, serialNumber: null, manufacturer: null },
      { path: join(dev, 'ttyUSB0'), byId: join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A10K5ABC-if00-port0'), vendorId: '0403', productId: '6001', serialNumber: 'A10K5ABC', manufacturer: 'FTDI' },
    ]);
    expect(portsText(l, { interfaces: [], bitRateNote: null })).toContain('serial ports (udevadm not found: read from /sys/class/tty)');
  });

  it('any other listing failure is a LinkError naming what failed', async () => {
    await expect(listSerialPorts({ list: () => Promise.reject(new Error('bindings missing')), devRoot: dev, sysRoot: sys })).rejects.toMatchObject({
      code: 'link_unavailable', message: expect.stringContaining('cannot list serial ports: bindings missing') as unknown,
    });
  });
});

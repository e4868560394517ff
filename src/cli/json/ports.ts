/** Lines of `hilbridge ports --json`: one per serial port or CAN interface, then what was searched. */
import { z } from 'zod';
import { Count } from './common.js';

export const PortLine = z.discriminatedUnion('kind', [
  z.strictObject({
    event: z.literal('port'),
    kind: z.literal('uart'),
    /** What --uart takes. */
    path: z.string(),
    /** The /dev/serial/by-id/ link to it (stable across replugging), null when none. */
    byId: z.string().nullable(),
    /** USB VID and PID as 4 hex digits, null for a non-USB port. */
    vendorId: z.string().nullable(),
    productId: z.string().nullable(),
    serialNumber: z.string().nullable(),
    manufacturer: z.string().nullable(),
  }),
  z.strictObject({
    event: z.literal('port'),
    kind: z.literal('can'),
    /** What --can takes. */
    name: z.string(),
    state: z.enum(['up', 'down']),
    /** The kernel's operstate (up, down, unknown), null when not readable. */
    operstate: z.string().nullable(),
    /** Nominal and data-phase bit rates, bit/s; null when the kernel does not report them (vcan, no `ip`). */
    bitRate: Count.nullable(),
    dataBitRate: Count.nullable(),
  }),
]);

export const PortsSummaryLine = z.strictObject({
  event: z.literal('ports_summary'),
  serialPorts: Count,
  /** `serialport` (udev) or `sysfs` (udevadm missing). */
  serialSource: z.enum(['serialport', 'sysfs']),
  canInterfaces: Count,
  /** Why bit rates are missing, or null. */
  bitRateNote: z.string().nullable(),
});

/** Registry adapter for `uart:<path>[@baud]` links (serial ports, ptys). */
import { UsageError } from '../errors.js';
import type { LinkSpec, OpenedLink, TransportAdapter } from './registry.js';
import { openUart } from './uart.js';

export const uartAdapter: TransportAdapter = {
  async open(spec: LinkSpec): Promise<OpenedLink> {
    if (spec.address === undefined) throw new UsageError('bad_link_spec', `link "${spec.text}": name the port, e.g. uart:/dev/ttyUSB0@115200`);
    return { transport: await openUart(spec.address, spec.bitRate === undefined ? {} : { baudRate: spec.bitRate }) };
  },
};

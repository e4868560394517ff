/** Registry adapter for `can:<iface>[,fd=1]` links (SocketCAN). */
import { UsageError } from '../errors.js';
import type { LinkSpec, OpenOptions, OpenedLink, TransportAdapter } from './registry.js';
import { openSocketCan } from './socketcan.js';

export const socketCanAdapter: TransportAdapter = {
  async open(spec: LinkSpec, options: OpenOptions): Promise<OpenedLink> {
    if (spec.address === undefined) throw new UsageError('bad_link_spec', `link "${spec.text}": name the interface, e.g. can:vcan0`);
    const fd = spec.options.fd === '1' || spec.options.fd === 'true';
    const transport = await openSocketCan(spec.address, options.scheduler === undefined ? { fd } : { fd, scheduler: options.scheduler });
    return { transport };
  },
};

/**
 * In-process emulator pairs: `--link emulator[:mode][@rate],pair=<name>`.
 * The first command to open a pair name creates one emulated link and takes
 * its end for its role; the next command in the same process with the same
 * name and the other role takes the other end. This lets `hilbridge target`
 * and `hilbridge flash` run against each other in one process (tests, demos)
 * over the real emulator, with nothing mocked.
 */
import { UsageError } from '../errors.js';
import type { ChannelRole } from '../protocol/channel.js';
import type { LinkSpec, OpenedLink, TransportRegistry } from '../transports/registry.js';
import type { AnyTransport } from '../transports/types.js';

interface Pending {
  readonly opened: Promise<OpenedLink>;
  readonly taken: ChannelRole;
}

const pending = new Map<string, Pending>();

/** The spec without its `pair` option (what the emulator adapter understands). */
function withoutPair(spec: LinkSpec): LinkSpec {
  const options = Object.fromEntries(Object.entries(spec.options).filter(([k]) => k !== 'pair'));
  return { ...spec, options };
}

/** Open (or join) the emulator pair `name` and return this role's end. */
export async function openPairEnd(
  registry: TransportRegistry,
  spec: LinkSpec,
  name: string,
  role: ChannelRole,
): Promise<AnyTransport> {
  const existing = pending.get(name);
  if (existing === undefined) {
    const opened = registry.open(withoutPair(spec));
    pending.set(name, { opened, taken: role });
    try {
      const link = await opened;
      return role === 'host' ? link.transport : peerOf(link, spec);
    } catch (e) {
      pending.delete(name);
      throw e;
    }
  }
  if (existing.taken === role) {
    throw new UsageError('bad_link_spec', `link "${spec.text}": the ${role} end of emulator pair "${name}" is already in use in this process`);
  }
  pending.delete(name);
  const link = await existing.opened;
  return role === 'host' ? link.transport : peerOf(link, spec);
}

function peerOf(link: OpenedLink, spec: LinkSpec): AnyTransport {
  if (link.peer === undefined) {
    throw new UsageError('bad_link_spec', `link "${spec.text}": pair= works only with emulator links (they have a peer in this process)`);
  }
  return link.peer;
}

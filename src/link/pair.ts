/**
 * In-process emulator pairs: `emulator[:mode][@rate],pair=<name>` links opened
 * with the same `EmulatorPairs` object share one emulated link. The first
 * opener of a name creates it. The target role takes its target end (one at a
 * time; closing it ends the pair). Host openers take its host end one after
 * another, as successive host programs would take a serial port: closing a
 * host end releases it for the next instead of unplugging the link. This lets
 * a virtual board and host commands run against each other in one process
 * (tests, demos) over the real emulator, with nothing mocked.
 *
 * The pairs live in the object, not in the module: whoever needs pairing
 * across several openLink calls owns one (the CLI keeps one per process) and
 * passes it in `LinkDeps.pairs`.
 */
import { UsageError } from '../errors.js';
import type { ChannelRole } from '../protocol/channel.js';
import type { LinkSpec, OpenOptions, OpenedLink, TransportRegistry } from '../transports/registry.js';
import type { AnyTransport } from '../transports/types.js';

interface Pair {
  readonly opened: Promise<OpenedLink>;
  readonly inUse: Set<ChannelRole>;
}

/** The spec without its `pair` option (what the emulator adapter understands). */
function withoutPair(spec: LinkSpec): LinkSpec {
  return { ...spec, options: Object.fromEntries(Object.entries(spec.options).filter(([k]) => k !== 'pair')) };
}

/** The same transport with `close` replaced. */
function withClose(t: AnyTransport, close: () => Promise<void>): AnyTransport {
  return Object.create(t, { close: { value: close } }) as AnyTransport;
}

export class EmulatorPairs {
  private readonly pairs = new Map<string, Pair>();

  /** Names of the pairs open now. */
  get names(): readonly string[] {
    return [...this.pairs.keys()];
  }

  /** Open (or join) the emulator pair `name` and return this role's end; the first opener's `options` (its clock) make the link. */
  async end(registry: TransportRegistry, spec: LinkSpec, name: string, role: ChannelRole, options?: OpenOptions): Promise<AnyTransport> {
    const pairs = this.pairs;
    let pair = pairs.get(name);
    if (pair === undefined) {
      pair = { opened: registry.open(withoutPair(spec), options), inUse: new Set() };
      pairs.set(name, pair);
    }
    if (pair.inUse.has(role)) {
      throw new UsageError('bad_link_spec', `link "${spec.text}": the ${role} end of emulator pair "${name}" is in use in this process`);
    }
    const p = pair;
    p.inUse.add(role);
    let link: OpenedLink;
    try {
      link = await p.opened;
    } catch (e) {
      pairs.delete(name);
      throw e;
    }
    if (link.peer === undefined) {
      throw new UsageError('bad_link_spec', `link "${spec.text}": pair= works only with emulator links (they have a peer in this process)`);
    }
    if (role === 'target') {
      return withClose(link.peer, async () => {
        if (pairs.get(name) === p) pairs.delete(name);
        await link.transport.close();
        await link.peer?.close();
      });
    }
    return withClose(link.transport, () => {
      p.inUse.delete('host');
      return Promise.resolve();
    });
  }
}

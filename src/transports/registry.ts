/**
 * The transport registry: link kind -> lazily loaded adapter module, so a
 * native module (SocketCAN, serialport) is only loaded when its kind is used,
 * and adding a transport is one entry in `adapterEntries`.
 */
import type { SchedulerLike } from 'rxjs';
import { LinkError, UsageError } from '../errors.js';
import type { AnyTransport, LinkKind } from './types.js';

/** A parsed `--link` value: `kind[:address][@bitrate][,key=value]...`, e.g. `can:vcan0`, `uart:/dev/ttyUSB0@115200`. */
export interface LinkSpec {
  readonly text: string;
  readonly kind: string;
  readonly address?: string;
  readonly bitRate?: number;
  readonly options: Readonly<Record<string, string>>;
}

export interface OpenOptions {
  /** Clock for adapters that keep time (the emulator). Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/** An opened link. `peer` is the other end when it lives in this process (the emulator). */
export interface OpenedLink {
  readonly transport: AnyTransport;
  readonly peer?: AnyTransport;
}

/** What an adapter module provides. */
export interface TransportAdapter {
  open(spec: LinkSpec, options: OpenOptions): Promise<OpenedLink>;
}

/** A registry entry: how to load the adapter, and what to install when loading fails. */
export interface AdapterEntry {
  readonly load: () => Promise<TransportAdapter>;
  readonly install: string;
}

/** Known link kinds. Add a transport here. */
export const adapterEntries: Partial<Record<LinkKind, AdapterEntry>> = {
  emulator: {
    load: async () => (await import('./emulator-adapter.js')).emulatorAdapter,
    install: 'nothing (built in); reinstall hilbridge if this fails',
  },
  can: {
    load: async () => (await import('./socketcan-adapter.js')).socketCanAdapter,
    install: 'the optional native module socketcan@4.3.1: `node hil/build-socketcan.mjs` (needs g++, make, python3, Node headers)',
  },
  canbus: {
    load: async () => (await import('./emulator-bus-adapter.js')).emulatorBusAdapter,
    install: 'nothing (built in); reinstall hilbridge if this fails',
  },
  uart: {
    load: async () => (await import('./uart-adapter.js')).uartAdapter,
    install: 'serialport@13.0.0: `npm install`',
  },
};

/** Parse `kind[:address][@bitrate][,key=value]...`. */
export function parseLinkSpec(text: string): LinkSpec {
  const [head = '', ...pairs] = text.split(',');
  const options: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError('bad_link_spec', `link "${text}": option "${p}" is not key=value`);
    options[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const m = /^([a-z][a-z0-9-]*)(?::([^@]+))?(?:@(\d+))?$/.exec(head);
  if (m === null) {
    throw new UsageError('bad_link_spec', `link "${text}": expected kind[:address][@bitrate][,key=value], e.g. can:vcan0 or uart:/dev/ttyUSB0@115200`);
  }
  const [, kind = '', address, rate] = m;
  return { text, kind, address, bitRate: rate === undefined ? undefined : Number(rate), options };
}

export interface TransportRegistry {
  /** The adapter for a kind, loaded on first use. */
  load(kind: string): Promise<TransportAdapter>;
  /** Parse (if needed) and open a link. */
  open(spec: string | LinkSpec, options?: OpenOptions): Promise<OpenedLink>;
}

/** A registry over the given entries (tests pass their own; the CLI uses `transports`). */
export function createTransportRegistry(entries: Readonly<Record<string, AdapterEntry | undefined>>): TransportRegistry {
  const loaded = new Map<string, Promise<TransportAdapter>>();
  const load = (kind: string): Promise<TransportAdapter> => {
    const entry = Object.hasOwn(entries, kind) ? entries[kind] : undefined;
    if (entry === undefined) {
      const known = Object.keys(entries).filter((k) => entries[k] !== undefined);
      return Promise.reject(
        new LinkError('unsupported_link', kind, `no transport for link kind "${kind}"; known kinds: ${known.join(', ')}`),
      );
    }
    let p = loaded.get(kind);
    if (p === undefined) {
      p = entry.load().catch((e: unknown) => {
        loaded.delete(kind);
        const why = e instanceof Error ? e.message : String(e);
        throw new LinkError('unsupported_link', kind, `the "${kind}" transport could not be loaded (${why}); install: ${entry.install}`, {
          cause: e,
        });
      });
      loaded.set(kind, p);
    }
    return p;
  };
  return {
    load,
    open: async (spec, options = {}) => {
      const parsed = typeof spec === 'string' ? parseLinkSpec(spec) : spec;
      return (await load(parsed.kind)).open(parsed, options);
    },
  };
}

/** The registry of the built-in transports. */
export const transports: TransportRegistry = createTransportRegistry(adapterEntries);

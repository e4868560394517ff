/**
 * The emulator bus as a registry adapter: `canbus:<name>[@bitrate][,loss=p,
 * rxRate=frames/s,rxQueue=frames,seed=n,latency=ms,fd=1]`. Every open attaches
 * a new node to the bus of that name in this process (the first opener
 * creates it with its bit rate, seed, latency, fd and clock; later openers'
 * bus options must agree or are refused); loss, rxRate and rxQueue are the
 * opening node's own. Closing the transport detaches the node; the bus goes
 * away with its last node. This lets a host command and many virtual boards
 * share one emulated bus in one process (tests, demos, benches).
 */
import { asyncScheduler } from 'rxjs';
import { UsageError } from '../errors.js';
import { createEmulatorBus } from './emulator-bus.js';
import type { EmulatorBus } from './emulator-bus.js';
import type { LinkSpec, OpenOptions, OpenedLink, TransportAdapter } from './registry.js';
import type { CanTransport } from './types.js';

const KNOWN = new Set(['loss', 'rxRate', 'rxQueue', 'seed', 'latency', 'fd']);

function num(spec: LinkSpec, key: string): number | undefined {
  const v = spec.options[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError('bad_link_spec', `link "${spec.text}": ${key}=${v} is not a number`);
  return n;
}

interface Shared {
  readonly bus: EmulatorBus;
  readonly key: string;
}

/** The buses of this process, by name. */
const buses = new Map<string, Shared>();

/** Names of the emulator buses open in this process. */
export function openBusNames(): readonly string[] {
  return [...buses.keys()];
}

/** The bus `name` of this process, if open (tests attach virtual boards to it). */
export function sharedBus(name: string): EmulatorBus | undefined {
  return buses.get(name)?.bus;
}

function open(spec: LinkSpec, options: OpenOptions): Promise<OpenedLink> {
  try {
    for (const key of Object.keys(spec.options)) {
      if (!KNOWN.has(key)) throw new UsageError('bad_link_spec', `link "${spec.text}": unknown option "${key}" (known: ${[...KNOWN].join(', ')})`);
    }
    const name = spec.address;
    if (name === undefined) throw new UsageError('bad_link_spec', `link "${spec.text}": name the bus, e.g. canbus:bench`);
    const fd = spec.options.fd === '1' || spec.options.fd === 'true';
    const busKey = JSON.stringify([spec.bitRate ?? null, num(spec, 'seed') ?? null, num(spec, 'latency') ?? null, fd]);
    let shared = buses.get(name);
    if (shared === undefined) {
      const bus = createEmulatorBus({
        name,
        scheduler: options.scheduler ?? asyncScheduler,
        ...(spec.bitRate === undefined ? {} : { bitRate: spec.bitRate }),
        ...(num(spec, 'seed') === undefined ? {} : { seed: num(spec, 'seed') }),
        ...(num(spec, 'latency') === undefined ? {} : { latencyMs: num(spec, 'latency') }),
        fd,
      });
      shared = { bus, key: busKey };
      buses.set(name, shared);
    } else if (shared.key !== busKey && (spec.bitRate !== undefined || spec.options.seed !== undefined || spec.options.latency !== undefined || fd)) {
      throw new UsageError('bad_link_spec', `link "${spec.text}": bus "${name}" is already open in this process with other bit rate, seed, latency or fd; leave them out to join it`);
    }
    const s = shared;
    const node = s.bus.attach({
      ...(num(spec, 'loss') === undefined ? {} : { loss: num(spec, 'loss') }),
      ...(num(spec, 'rxRate') === undefined ? {} : { rxFramesPerSecond: num(spec, 'rxRate') }),
      ...(num(spec, 'rxQueue') === undefined ? {} : { rxQueueFrames: num(spec, 'rxQueue') }),
    });
    const transport: CanTransport = Object.create(node.transport, {
      close: {
        value: async () => {
          await node.transport.close();
          if (buses.get(name) === s && s.bus.nodes.every((n) => !n.attached)) buses.delete(name);
        },
      },
    }) as CanTransport;
    return Promise.resolve({ transport });
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

export const emulatorBusAdapter: TransportAdapter = { open };

/**
 * The emulator as a registry adapter: `emulator[:uart|can|canfd][@bitrate][,latency=ms,seed=n,loss=p,lossEvery=n,
 * corrupt=p,duplicate=p,reorder=p,dataRate=bps]`. The host end is the transport; the target end is the peer.
 */
import { UsageError } from '../errors.js';
import { createEmulatedLink } from './emulator.js';
import type { FaultSpec } from './emulator-faults.js';
import type { LinkSpec, OpenOptions, OpenedLink, TransportAdapter } from './registry.js';

const KNOWN = new Set(['latency', 'seed', 'loss', 'lossEvery', 'corrupt', 'duplicate', 'reorder', 'dataRate']);

function num(spec: LinkSpec, key: string): number | undefined {
  const v = spec.options[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError('bad_link_spec', `link "${spec.text}": ${key}=${v} is not a number`);
  return n;
}

function open(spec: LinkSpec, options: OpenOptions): Promise<OpenedLink> {
  for (const key of Object.keys(spec.options)) {
    if (!KNOWN.has(key)) {
      return Promise.reject(new UsageError('bad_link_spec', `link "${spec.text}": unknown option "${key}" (known: ${[...KNOWN].join(', ')})`));
    }
  }
  const faults: FaultSpec = {
    loss: num(spec, 'loss'),
    lossEvery: num(spec, 'lossEvery'),
    corrupt: num(spec, 'corrupt'),
    duplicate: num(spec, 'duplicate'),
    reorder: num(spec, 'reorder'),
  };
  const common = { scheduler: options.scheduler, latencyMs: num(spec, 'latency'), seed: num(spec, 'seed'), faults };
  const mode = spec.address ?? 'uart';
  switch (mode) {
    case 'uart': {
      const link = createEmulatedLink({ mode: 'bytes', bitRate: spec.bitRate ?? 115200, ...common });
      return Promise.resolve({ transport: link.host, peer: link.target });
    }
    case 'can':
    case 'canfd': {
      const link = createEmulatedLink({
        mode: 'can',
        bitRate: spec.bitRate ?? 500_000,
        dataBitRate: num(spec, 'dataRate'),
        fd: mode === 'canfd',
        ...common,
      });
      return Promise.resolve({ transport: link.host, peer: link.target });
    }
    default:
      return Promise.reject(new UsageError('bad_link_spec', `link "${spec.text}": emulator mode must be uart, can or canfd, not "${mode}"`));
  }
}

export const emulatorAdapter: TransportAdapter = { open };

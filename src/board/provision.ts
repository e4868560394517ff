/**
 * The boot order (docs/board.md, "Boot order"): after the FRAM boot picked
 * the image to run (board-boot.ts), the board scans its boot sources in the
 * configured order (src/fram/bootcfg.ts; default host preload, SD card, CAN
 * master) and makes the first usable image for its node the active one:
 *
 * - host / sd: the source's entries for this node, in priority order (or in
 *   the order of the configuration's image names), each with its fallback
 *   chain. An entry that already runs (same SHA-256) is kept and nothing is
 *   written; otherwise it is read through an image reader, must hash to the
 *   SHA-256 the source lists, and goes through the board's loader (every
 *   HXE, bundle, trust and counter check of a transfer) and commit; its FRAM
 *   value defaults (only where no value is stored) are written once the
 *   loader's checks passed, just before the commit, so its apps restore them
 *   and a refused image leaves none. A failed entry is
 *   skipped with an event naming it, and its fallback is tried.
 * - can: when the running image was provisioned by a master (uart,
 *   can_master) it is kept and the scan ends; otherwise the board goes on
 *   with the next source, and after the last one waits for a master.
 *
 * Boot failures are the trial-boot machinery of src/fram/boot.ts: a loaded
 * image runs in trial; after the configured number of unconfirmed boots the
 * FRAM boot falls back to the known-good image. The scan then records the
 * image that failed (its SHA-256 prefix, in the boot configuration's failed
 * list) so no later boot loads it again, and its fallback is used instead;
 * with the list full the image's source is stopped instead (no image is
 * loaded from it until the configuration is set anew), so a chain of
 * failing entries cannot cycle.
 */
import type { EventFields } from './events.js';
import { type BootConfig, type BootSource, failedPrefix, type Fram, type ImageOrigin, MAX_FAILED_IMAGES, type StoppableSource } from '../fram/index.js';
import { encodeF16Record } from '../fram/index.js';
import { f16ToNumber } from '../hxe/f16.js';
import { asHilbridgeError } from '../errors.js';
import type { ImageReader } from '../image/reader.js';
import { toHex } from '../util/hex.js';
import { framOp } from './errors.js';
import type { ImageSource, ProvisionEntry } from './provision-source.js';

export type BootSources = Partial<Record<Exclude<BootSource, 'can'>, ImageSource>>;

type BootEventType = 'provisioning.source' | 'provisioning.entry';

export interface ProvisionDeps {
  readonly fram: Fram;
  readonly nodeId: number;
  /** "board 5". */
  readonly board: string;
  readonly emit: <T extends BootEventType>(type: T, fields: EventFields<T>) => void;
  /**
   * Stream an image through the board's loader and commit it, recording `path` as its origin;
   * `beforeCommit` runs once every check passed, before the commit point (and the apps' restore).
   */
  readonly install: (reader: ImageReader, source: ImageOrigin, path: string, beforeCommit: () => void) => Promise<unknown>;
}

export interface ProvisionResult {
  /** The source whose image runs now (can: a master's, or the board waits for one); null when none. */
  readonly source: BootSource | null;
  /** What happened to it: kept (already active), loaded, or waiting for a master. */
  readonly action: 'active' | 'loaded' | 'kept' | 'wait' | 'none' | 'busy';
  readonly entry: ProvisionEntry | null;
}

const ORIGIN: Record<Exclude<BootSource, 'can'>, ImageOrigin> = { host: 'host_file', sd: 'sd_manifest' };

type EntryOutcome = 'active' | 'loaded' | 'failed' | 'busy';

/** Run the boot order once (a power-on). Never throws for a bad source or entry: events say what happened. */
export async function provisionAtBoot(deps: ProvisionDeps, sources: BootSources): Promise<ProvisionResult> {
  const config = recordFailure(deps.fram);
  for (const src of config.order) {
    if (src === 'can') {
      const active = activeImage(deps.fram);
      if (active !== null && (active.source === 'can_master' || active.source === 'uart')) {
        deps.emit('provisioning.source', { source: 'can', name: null, action: 'kept', entries: 0, detail: `the image a master provisioned (${active.appName ?? 'unnamed'}, ${active.source}) runs; the sources after can are not scanned` });
        return { source: 'can', action: 'kept', entry: null };
      }
      deps.emit('provisioning.source', { source: 'can', name: null, action: 'wait', entries: 0, detail: 'no image from a master runs: the board takes one from a CAN/UART master whenever it comes' });
      continue;
    }
    const source = sources[src];
    if (source === undefined) {
      deps.emit('provisioning.source', { source: src, name: null, action: 'unavailable', entries: 0, detail: `no ${src === 'host' ? 'host preload directory (--host-preload)' : 'SD card (--sd)'} given` });
      continue;
    }
    if (config.stopped.includes(src)) {
      deps.emit('provisioning.source', { source: src, name: source.name, action: 'none', entries: 0, detail: `stopped: an image from ${src === 'host' ? 'the host preload directory' : 'the SD card'} failed its trial boots with the failed list full (${MAX_FAILED_IMAGES} images); nothing is loaded from it until the boot configuration is set anew (bootcfg set)` });
      continue;
    }
    const r = await scanSource(deps, src, source, config);
    if (r !== null) return r;
  }
  return { source: config.order.includes('can') ? 'can' : null, action: config.order.includes('can') ? 'wait' : 'none', entry: null };
}

async function scanSource(deps: ProvisionDeps, src: Exclude<BootSource, 'can'>, source: ImageSource, config: BootConfig): Promise<ProvisionResult | null> {
  let all: readonly ProvisionEntry[];
  try {
    all = await source.list();
  } catch (e) {
    const err = asHilbridgeError(e);
    deps.emit('provisioning.source', { source: src, name: source.name, action: 'failed', entries: 0, detail: `[${err.code}] ${err.message}` });
    return null;
  }
  const mine = candidates(all, deps.nodeId, config.images);
  deps.emit('provisioning.source', { source: src, name: source.name, action: 'scan', entries: mine.length, detail: mine.length === 0 ? `no entry for node ${deps.nodeId}` : `entries for node ${deps.nodeId}: ${mine.map((e) => e.path).join(', ')}` });
  for (const entry of mine) {
    const outcome = await tryEntry(deps, src, source, all, entry, config, new Set());
    if (outcome.result === 'busy') return { source: src, action: 'busy', entry: outcome.entry };
    if (outcome.result !== 'failed') {
      deps.emit('provisioning.source', { source: src, name: source.name, action: 'chosen', entries: mine.length, detail: `${outcome.entry.path} ${outcome.result === 'active' ? 'runs already' : 'was loaded'}` });
      return { source: src, action: outcome.result, entry: outcome.entry };
    }
  }
  if (mine.length > 0) deps.emit('provisioning.source', { source: src, name: source.name, action: 'none', entries: mine.length, detail: 'no entry for this node could be used' });
  return null;
}

/**
 * The entries for `nodeId`: by the configuration's image names when it has
 * any (in their order), else by priority, lowest first; equal priorities keep
 * the source's order (the manifest's for a card, name order for host preload).
 */
const forNode = (e: ProvisionEntry, nodeId: number): boolean => e.nodes.length === 0 || e.nodes.includes(nodeId);

export function candidates(all: readonly ProvisionEntry[], nodeId: number, images: readonly string[]): ProvisionEntry[] {
  const mine = all.filter((e) => forNode(e, nodeId)).slice().sort((a, b) => a.priority - b.priority);
  if (images.length === 0) return mine;
  return images.flatMap((name) => mine.filter((e) => e.appName === name || e.name === name || baseName(e.path) === name));
}

function baseName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.(hxe|hxb)$/i, '');
}

async function tryEntry(
  deps: ProvisionDeps, src: Exclude<BootSource, 'can'>, source: ImageSource, all: readonly ProvisionEntry[], entry: ProvisionEntry, config: BootConfig, seen: Set<string>,
): Promise<{ result: EntryOutcome; entry: ProvisionEntry }> {
  seen.add(entry.name);
  const ev = (action: EventFields<'provisioning.entry'>['action'], code: string | null, detail: string, fallback: string | null = null): void =>
    deps.emit('provisioning.entry', { source: src, path: entry.path, appName: entry.appName, sha256: entry.sha256, action, code, fallback, detail });
  const failed = async (code: string, detail: string): Promise<{ result: EntryOutcome; entry: ProvisionEntry }> => {
    // only this node's entries: a fallback for other nodes is never loaded here
    const named = entry.fallback === null ? undefined : all.find((e) => e.name === entry.fallback);
    const next = named !== undefined && forNode(named, deps.nodeId) ? named : undefined;
    ev('skipped', code, `${source.name}: ${entry.path}: ${detail}`, next === undefined ? null : next.path);
    if (entry.fallback === null) return { result: 'failed', entry };
    if (next === undefined || seen.has(next.name)) {
      const why = named === undefined ? 'not an entry of this source' : next === undefined ? `for nodes ${named.nodes.join(',')}, not node ${deps.nodeId}` : 'already tried (a fallback cycle)';
      ev('fallback', 'bad_fallback', `fallback "${entry.fallback}" of ${entry.path} is ${why}`);
      return { result: 'failed', entry };
    }
    ev('fallback', null, `${entry.path} failed; trying its fallback ${next.path}`, next.path);
    return tryEntry(deps, src, source, all, next, config, seen);
  };
  if (config.failed.includes(failedPrefix(entry.sha256))) {
    return failed('failed_before', `this image failed its trial boots before (SHA-256 ${entry.sha256.slice(0, 16)}…); it is not loaded again until the boot configuration is set anew`);
  }
  const active = activeImage(deps.fram);
  if (active !== null && active.sha256 === entry.sha256) {
    ev('active', null, `runs already in slot ${active.slot}: not written again`);
    return { result: 'active', entry };
  }
  let reader: ImageReader;
  try {
    reader = await source.open(entry);
  } catch (e) {
    const err = asHilbridgeError(e);
    return failed(err.code, err.message);
  }
  try {
    const sha = toHex(reader.sha256);
    if (sha !== entry.sha256 || reader.size !== entry.size) {
      return await failed('sha256_mismatch', `the file holds ${reader.size} bytes with SHA-256 ${sha}; the source lists ${entry.size} bytes with ${entry.sha256}`);
    }
    ev('loading', null, `staging ${entry.size} bytes through the loader`);
    // the defaults only once the loader took the image (a refused image leaves none), before its apps restore values
    let written: string[] = [];
    await deps.install(reader, ORIGIN[src], entry.path, () => {
      written = writeDefaults(deps.fram, entry);
    });
    if (written.length > 0) ev('defaults', null, `FRAM values with no stored value set to the listed defaults: ${written.join(', ')}`);
    ev('loaded', null, 'verified and committed: runs in trial until confirmed');
    return { result: 'loaded', entry };
  } catch (e) {
    const err = asHilbridgeError(e);
    if (err.code === 'EBUSY') {
      ev('skipped', err.code, `${source.name}: ${entry.path}: ${err.message}`);
      return { result: 'busy', entry };
    }
    return await failed(err.code, err.message);
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/** Write each listed default whose key holds no stored value; returns what was written ("0x0201=2"). */
function writeDefaults(fram: Fram, entry: ProvisionEntry): string[] {
  const out: string[] = [];
  for (const v of entry.values) {
    const stored = framOp(`read FRAM value 0x${v.key.toString(16)}`, () => fram.readValue(v.key));
    if (stored.status === 'found') continue;
    framOp(`write the default of FRAM value 0x${v.key.toString(16)}`, () => fram.saveValue(v.key, encodeF16Record(v.raw)));
    out.push(`0x${v.key.toString(16).padStart(4, '0')}=${f16ToNumber(v.raw)}`);
  }
  return out;
}

/** The image the active slot runs, verified from FRAM, or null. */
export function activeImage(fram: Fram): { slot: 'A' | 'B'; sha256: string; source: ImageOrigin | null; appName: string | null } | null {
  const s = framOp('read the FRAM map', () => fram.map()).slots.find((x) => x.role === 'active' && x.verified);
  return s === undefined || s.sha256 === null ? null : { slot: s.slot, sha256: s.sha256, source: s.source, appName: s.appName };
}

const STOP_ON: Partial<Record<ImageOrigin, StoppableSource>> = { host_file: 'host', sd_manifest: 'sd' };

/**
 * When the FRAM boot fell back from an image because it used up its trial
 * boots (not when it no longer verified: FRAM damage, the source's copy is
 * still good), add that image to the configuration's failed list (once)
 * so the scan does not load it again; when the list is already full
 * (MAX_FAILED_IMAGES), stop the image's source instead (config.stopped: no
 * image is loaded from it until the configuration is set anew). Returns the
 * configuration to use.
 */
function recordFailure(fram: Fram): BootConfig {
  const { config } = framOp('read the boot configuration', () => fram.bootConfig());
  const map = framOp('read the FRAM map', () => fram.map());
  const ev = map.superblocks.find((s) => s.newest)?.state?.lastEvent ?? null;
  // only an image that used up its trial boots failed; active_corrupt is FRAM damage, the card's copy is still good
  if (ev === null || ev.kind !== 'trial_exhausted') return config;
  const slot = map.slots.find((s) => s.slot === ev.from);
  if (slot === undefined || slot.sha256 === null) return config;
  const prefix = failedPrefix(slot.sha256);
  if (config.failed.includes(prefix)) return config;
  let next: BootConfig;
  if (config.failed.length < MAX_FAILED_IMAGES) next = { ...config, failed: [prefix, ...config.failed] };
  else {
    // the list is full: evicting an entry would let a chain of failing images cycle, so the source stops
    const src = slot.source === null ? undefined : STOP_ON[slot.source];
    if (src === undefined || config.stopped.includes(src)) return config;
    next = { ...config, stopped: [...config.stopped, src] };
  }
  framOp('record a failed image in the boot configuration', () => fram.writeBootConfig(next));
  return next;
}

/**
 * The virtual executive: what runs on the board. It registers each app's
 * metadata (values, commands, mailboxes), names the instance (the app-name
 * rule of src/hxe/policy.ts), records where the image came from, and keeps
 * persisted values: restored from the FRAM value store when an app is
 * registered (at boot and after an update; init value plus a `fallback` event
 * when the record is missing, interrupted, corrupt or of another length) and
 * saved debounced when set.
 *
 * Apps are either the slot's apps (the image in the active FRAM slot: one
 * HXE image, or every hxe segment of a bundle, in bundle order; an update
 * replaces them all at once) or resident apps (firmware or SD-manifest apps
 * that run beside them and count for the instance rule).
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { ImageOrigin, SlotId, ValueRead } from '../fram/index.js';
import { DebouncedValueWriter, isPersisted, restorePersistedValues, type RestoreResult } from '../fram/index.js';
import { f16ToNumber, numberToF16 } from '../hxe/f16.js';
import type { HxeImage } from '../hxe/image.js';
import { instanceName } from '../hxe/policy.js';
import type { BundleInfo } from '../bundle/index.js';
import { BoardError } from './errors.js';
import type { EventBus } from './event-bus.js';
import type { Phase } from './events.js';

export interface RunningValue {
  readonly groupId: number;
  readonly valueId: number;
  readonly name: string | null;
  readonly unit: string | null;
  readonly persistKey: number;
  readonly persisted: boolean;
  /** Raw f16 now in effect. */
  readonly raw: number;
  readonly value: number;
  /** persisted: restored from FRAM; init: the image's init value (fallback says why, for persisted values). */
  readonly origin: 'persisted' | 'init';
  readonly fallback: 'missing' | 'interrupted' | 'corrupt' | 'schema_changed' | null;
}

export interface RunningApp {
  readonly pid: number;
  readonly instance: string;
  readonly appName: string | null;
  /** Where the image came from (null when the slot header does not say). */
  readonly source: ImageOrigin | null;
  /** The FRAM slot the image runs from; null for resident apps. */
  readonly slot: SlotId | null;
  readonly size: number;
  /** CRC-32 of the whole image file (as BEGIN announces it and the slot header records it). */
  readonly crc32: number;
  readonly sha256: string;
  readonly values: readonly RunningValue[];
  readonly commands: readonly { readonly groupId: number; readonly cmdId: number; readonly name: string | null }[];
  readonly mailboxes: readonly { readonly target: string; readonly capacity: number }[];
}

export interface ExecutiveDeps {
  readonly readValue: (key: number) => ValueRead;
  readonly saveValue: (key: number, bytes: Uint8Array) => { offset: number; seq: number };
  readonly scheduler: SchedulerLike;
  readonly debounceMs: number;
  readonly bus: EventBus;
  /** The loader phase events are stamped with. */
  readonly phase: () => Phase;
}

export class Executive {
  private slotApps: RunningApp[] = [];
  private slotBundle: BundleInfo | null = null;
  private readonly resident: RunningApp[] = [];
  private nextPid = 1;
  private readonly writer: DebouncedValueWriter;
  private readonly writes: Subscription;
  private readonly owners = new Map<number, { pid: number; groupId: number; valueId: number }>();

  constructor(private readonly deps: ExecutiveDeps) {
    this.writer = new DebouncedValueWriter(deps.saveValue, deps.scheduler, deps.debounceMs);
    this.writes = this.writer.events$.subscribe((e) => {
      const owner = this.owners.get(e.persistKey);
      const ids = { groupId: owner?.groupId ?? 0, valueId: owner?.valueId ?? 0 };
      if (e.kind === 'persisted') {
        deps.bus.emit('provisioning.persisted', owner?.pid ?? 0, deps.phase(), { action: 'saved', persistKey: e.persistKey, ...ids, raw: e.raw, offset: e.offset, reason: null, message: null });
      } else {
        const raw = this.find(owner?.pid ?? 0, ids.groupId, ids.valueId)?.raw ?? 0;
        deps.bus.emit('provisioning.persisted', owner?.pid ?? 0, deps.phase(), { action: 'failed', persistKey: e.persistKey, ...ids, raw, offset: null, reason: null, message: e.error.message });
      }
    });
  }

  /** Reserve the pid a new app will run under (provisioning events carry it from BEGIN on). */
  allocatePid(): number {
    return this.nextPid++;
  }

  /** Every running app: resident ones first, then the slot's apps. */
  get apps(): readonly RunningApp[] {
    return [...this.resident, ...this.slotApps];
  }

  /** The slot's (first) app: the HXE image's, or the bundle's first hxe segment's; null when the slot runs nothing. */
  get slot(): RunningApp | null {
    return this.slotApps[0] ?? null;
  }

  /** Every app the active slot runs, in bundle order. */
  get slotRunning(): readonly RunningApp[] {
    return [...this.slotApps];
  }

  /** The bundle the slot's apps come from, or null (a single HXE image, or nothing). */
  get bundle(): BundleInfo | null {
    return this.slotBundle;
  }

  /**
   * The instance name an image would run under as the new slot app (the slot
   * app it replaces does not count). Throws PolicyError('EEXIST') when a
   * single-instance app of that name already runs.
   */
  instanceFor(image: Pick<HxeImage, 'appName' | 'allowMultipleInstances'>, pid: number): string {
    return this.instancesFor([image], pid)[0]!;
  }

  /**
   * The instance names a slot's images would run under, in order (each one's
   * pid after the first is one more): the residents and the earlier images of
   * the same slot count, the slot apps they replace do not. Throws
   * PolicyError('EEXIST') naming the first that cannot run.
   */
  instancesFor(images: readonly Pick<HxeImage, 'appName' | 'allowMultipleInstances'>[], pid: number | readonly number[]): string[] {
    const running = this.resident.map((a) => a.instance);
    const pidOf = (i: number): number => (typeof pid === 'number' ? pid + i : (pid[i] ?? 0));
    return images.map((image, i) => {
      const name = instanceName(image.appName ?? `pid${pidOf(i)}`, image.allowMultipleInstances, running);
      running.push(name);
      return name;
    });
  }

  /** Register an image as the slot app (replacing the current ones), restoring its persisted values. */
  registerSlotApp(image: HxeImage, where: { slot: SlotId; source: ImageOrigin | null; crc32: number }, pid = this.allocatePid()): RunningApp {
    return this.registerSlot({ apps: [{ image }], bundle: null }, where, pid)[0]!;
  }

  /**
   * Register what a slot holds (one image, or a bundle's hxe segments) as the
   * slot's apps, replacing the current ones; the first runs as `pid`, the
   * others under new pids. Each restores its persisted values.
   */
  registerSlot(
    content: { readonly apps: readonly { readonly image: HxeImage }[]; readonly bundle: BundleInfo | null },
    where: { slot: SlotId; source: ImageOrigin | null; crc32: number },
    pid = this.allocatePid(),
  ): RunningApp[] {
    const images = content.apps.map((a) => a.image);
    const pids = images.map((_, i) => (i === 0 ? pid : this.allocatePid()));
    const names = this.instancesFor(images, pids);
    this.stopSlotApp();
    this.slotApps = images.map((image, i) => this.build(image, { ...where, pid: pids[i]!, instance: names[i]! }));
    this.slotBundle = content.bundle;
    return [...this.slotApps];
  }

  /** Register a resident app (firmware or SD manifest). */
  registerResident(image: HxeImage, source: ImageOrigin, crc32: number): RunningApp {
    const pid = this.allocatePid();
    const instance = instanceName(image.appName ?? `pid${pid}`, image.allowMultipleInstances, this.apps.map((a) => a.instance));
    const app = this.build(image, { slot: null, source, pid, instance, crc32 });
    this.resident.push(app);
    return app;
  }

  /** Stop the slot's apps (before an update takes effect, or after a factory reset); pending value writes are flushed first. */
  stopSlotApp(): void {
    this.writer.flush();
    for (const app of this.slotApps) for (const v of app.values) if (v.persisted) this.owners.delete(v.persistKey);
    this.slotApps = [];
    this.slotBundle = null;
  }

  /** Set a value of a running app (as the app or a host command would); persisted values are saved debounced. */
  setValue(pid: number, groupId: number, valueId: number, value: number): RunningValue {
    const app = this.apps.find((a) => a.pid === pid);
    const i = app?.values.findIndex((v) => v.groupId === groupId && v.valueId === valueId) ?? -1;
    const old = app?.values[i];
    if (app === undefined || old === undefined) {
      throw new BoardError('EINVAL', `no value ${groupId}:${valueId} in the app running as pid ${pid}; check the app's metadata (hilbridge inspect)`);
    }
    const raw = numberToF16(value);
    const updated: RunningValue = { ...old, raw, value: f16ToNumber(raw), origin: old.origin, fallback: old.fallback };
    (app.values as RunningValue[])[i] = updated;
    if (updated.persisted) this.writer.set(updated.persistKey, raw);
    return updated;
  }

  /** Write every pending value now (orderly shutdown). */
  flush(): void {
    this.writer.flush();
  }

  /** Drop pending writes (a power cut) and stop. */
  dispose(): void {
    this.writes.unsubscribe();
    this.writer.dispose();
  }

  private find(pid: number, groupId: number, valueId: number): RunningValue | undefined {
    return this.apps.find((a) => a.pid === pid)?.values.find((v) => v.groupId === groupId && v.valueId === valueId);
  }

  private build(image: HxeImage, w: { slot: SlotId | null; source: ImageOrigin | null; pid: number; instance: string; crc32: number }): RunningApp {
    const restored = new Map<string, RestoreResult>(restorePersistedValues(image.values, this.deps.readValue).map((r) => [`${r.groupId}:${r.valueId}`, r]));
    const values = image.values.map((v): RunningValue => {
      const r = restored.get(`${v.groupId}:${v.valueId}`);
      const raw = r?.raw ?? v.initRaw;
      const persisted = isPersisted(v);
      if (persisted) this.owners.set(v.persistKey, { pid: w.pid, groupId: v.groupId, valueId: v.valueId });
      if (r !== undefined) this.announce(w.pid, r);
      return {
        groupId: v.groupId,
        valueId: v.valueId,
        name: v.name,
        unit: v.unit,
        persistKey: v.persistKey,
        persisted,
        raw,
        value: f16ToNumber(raw),
        origin: r?.source === 'persisted' ? 'persisted' : 'init',
        fallback: r?.source === 'init' ? r.reason : null,
      };
    });
    return {
      pid: w.pid,
      instance: w.instance,
      appName: image.appName,
      source: w.source,
      slot: w.slot,
      size: image.size,
      crc32: w.crc32,
      sha256: image.sha256,
      values,
      commands: image.commands.map((c) => ({ groupId: c.groupId, cmdId: c.cmdId, name: c.name })),
      mailboxes: image.mailboxes.map((m) => ({ target: m.target, capacity: m.capacity })),
    };
  }

  private announce(pid: number, r: RestoreResult): void {
    const common = { persistKey: r.persistKey, groupId: r.groupId, valueId: r.valueId, raw: r.raw };
    if (r.source === 'persisted') {
      this.deps.bus.emit('provisioning.persisted', pid, this.deps.phase(), { action: 'restored', ...common, offset: r.offset, reason: null, message: null });
    } else {
      this.deps.bus.emit('provisioning.persisted', pid, this.deps.phase(), { action: 'fallback', ...common, offset: r.offset, reason: r.reason, message: r.message });
    }
  }
}

/**
 * Persisted HXE values: restore at boot / after an image update, and
 * debounced saves. A value is persisted when flagged PERSIST with a persist
 * key 0x0001-0xFFFE; its record holds the raw f16 as a big-endian u16.
 */
import { Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { PERSIST_KEY_NONE, PERSIST_KEY_RESERVED, ValueFlag } from '../hxe/constants.js';
import type { HxeValue } from '../hxe/image.js';
import { asHilbridgeError, type HilbridgeError } from '../errors.js';
import { checkKey, type ValueRead } from './values.js';

/** The fields of an HXE `.value` entry that persistence needs. */
export type PersistedValueSpec = Pick<HxeValue, 'groupId' | 'valueId' | 'flags' | 'initRaw' | 'persistKey'>;

export type RestoreResult =
  | { readonly groupId: number; readonly valueId: number; readonly persistKey: number; readonly raw: number; readonly source: 'persisted'; readonly offset: number }
  | {
      readonly groupId: number;
      readonly valueId: number;
      readonly persistKey: number;
      readonly raw: number;
      readonly source: 'init';
      /** missing: never saved; interrupted: the only save was cut by power loss; corrupt: record fails its CRC; schema_changed: stored length differs. */
      readonly reason: 'missing' | 'interrupted' | 'corrupt' | 'schema_changed';
      readonly offset: number | null;
      readonly message: string;
    };

/** What restore reads from: `Fram.readValue` fits. */
export type ValueReader = (key: number) => ValueRead;
/** What the writer saves through: `Fram.saveValue` fits. */
export type ValueSaver = (key: number, bytes: Uint8Array) => { offset: number; seq: number };

export function isPersisted(v: Pick<HxeValue, 'flags' | 'persistKey'>): boolean {
  return (v.flags & ValueFlag.persist) !== 0 && v.persistKey !== PERSIST_KEY_NONE && v.persistKey !== PERSIST_KEY_RESERVED;
}

export function encodeF16Record(raw: number): Uint8Array {
  return Uint8Array.of((raw >> 8) & 0xff, raw & 0xff);
}

/** Restore every persisted value of an image: the stored raw f16, or the init value with the reason. */
export function restorePersistedValues(values: readonly PersistedValueSpec[], read: ValueReader): RestoreResult[] {
  return values.filter(isPersisted).map((v): RestoreResult => {
    const base = { groupId: v.groupId, valueId: v.valueId, persistKey: v.persistKey };
    const key = `persist key 0x${v.persistKey.toString(16).padStart(4, '0')} (value ${v.groupId}:${v.valueId})`;
    const r = read(v.persistKey);
    switch (r.status) {
      case 'found':
        if (r.bytes.length === 2) return { ...base, raw: ((r.bytes[0] ?? 0) << 8) | (r.bytes[1] ?? 0), source: 'persisted', offset: r.offset };
        return { ...base, raw: v.initRaw, source: 'init', reason: 'schema_changed', offset: r.offset, message: `${key}: record at 0x${r.offset.toString(16)} holds ${r.bytes.length} bytes, the image declares an f16 (2 bytes); using the init value, the next save overwrites it` };
      case 'missing':
        return { ...base, raw: v.initRaw, source: 'init', reason: 'missing', offset: null, message: `${key}: no record stored yet; using the init value` };
      case 'interrupted':
        return { ...base, raw: v.initRaw, source: 'init', reason: 'interrupted', offset: r.offset, message: `${key}: its only record at 0x${r.offset.toString(16)} was cut by a power loss; using the init value` };
      case 'corrupt':
        return { ...base, raw: v.initRaw, source: 'init', reason: 'corrupt', offset: r.offset, message: `${key}: record at 0x${r.offset.toString(16)} fails its CRC; using the init value` };
    }
  });
}

export type PersistEvent =
  | { readonly kind: 'persisted'; readonly persistKey: number; readonly raw: number; readonly offset: number; readonly at: number }
  | { readonly kind: 'error'; readonly persistKey: number; readonly error: HilbridgeError; readonly at: number };

/**
 * Debounced value saves: a burst of sets for one key within `debounceMs`
 * (on the injected scheduler) writes once, with the last value. Pending
 * writes are bounded by the number of distinct keys.
 */
export class DebouncedValueWriter {
  private readonly pending = new Map<number, { raw: number; task: Subscription }>();
  private readonly events = new Subject<PersistEvent>();
  /** One event per write (or failed write). */
  readonly events$: Observable<PersistEvent> = this.events.asObservable();

  constructor(
    private readonly save: ValueSaver,
    private readonly scheduler: SchedulerLike,
    private readonly debounceMs: number,
  ) {}

  /** Set a persisted value (raw f16); written after `debounceMs` without another set of the same key. */
  set(persistKey: number, raw: number): void {
    checkKey(persistKey);
    this.pending.get(persistKey)?.task.unsubscribe();
    const task = this.scheduler.schedule(() => this.write(persistKey), this.debounceMs);
    this.pending.set(persistKey, { raw: raw & 0xffff, task });
  }

  /** Write every pending value now (shutdown, before an image update). */
  flush(): void {
    for (const key of [...this.pending.keys()]) this.write(key);
  }

  /** Keys with a write still pending. */
  get pendingKeys(): number[] {
    return [...this.pending.keys()];
  }

  /** Drop pending writes and complete the event stream. */
  dispose(): void {
    for (const p of this.pending.values()) p.task.unsubscribe();
    this.pending.clear();
    this.events.complete();
  }

  private write(key: number): void {
    const p = this.pending.get(key);
    if (p === undefined) return;
    p.task.unsubscribe();
    this.pending.delete(key);
    const now = this.scheduler.now();
    try {
      const { offset } = this.save(key, encodeF16Record(p.raw));
      this.events.next({ kind: 'persisted', persistKey: key, raw: p.raw, offset, at: now });
    } catch (e) {
      this.events.next({ kind: 'error', persistKey: key, error: asHilbridgeError(e, 'persist_failed'), at: now });
    }
  }
}

/**
 * The FRAM of a board: one object for everything the target does with it.
 * Each mutating call is one operation; the wear counters are persisted at its
 * end. Synchronous, like the device.
 */
import { type BootReport, boot, confirm, rollback, type RollbackResult } from './boot.js';
import type { FramDevice } from './device.js';
import { formatFram, type FormatOptions } from './format.js';
import type { FramLayout, SlotId } from './layout.js';
import { decodeFramMap, type FramMap } from './map.js';
import { completePendingReset, factoryReset } from './reset.js';
import { readSettings, type Settings, writeSettings } from './settings.js';
import type { ImageCheck } from './slot.js';
import { abortStaging, beginStaging, type CommitResult, commitStaged, type StagingRequest, type StagingStatus, stagingStatus, writeStaged } from './staging.js';
import { FramStore } from './store.js';
import { firstFormatUnfinished, readSuperblock } from './superblock.js';
import { readTrust, type TrustArea, writeTrust } from './trust.js';
import { appendAudit, readAudit, type AuditRing } from './audit.js';
import type { AuditEntryWire } from '../protocol/messages-types.js';
import { readValue, saveValue, type ValueRead } from './values.js';
import { type BootConfig, readBootConfig, writeBootConfig } from './bootcfg.js';
import { readSlotOrigin, writeSlotOrigin } from './origin.js';
import { slotLayout } from './slot.js';
import type { WearCounter } from './wear.js';

export class Fram {
  private constructor(private readonly store: FramStore) {}

  /** Mount a FRAM; completes a factory reset a power cut interrupted. Never throws for an unformatted FRAM (boot() reports recovery). */
  static open(device: FramDevice): Fram {
    const fram = new Fram(new FramStore(device));
    if (readSuperblock(device, fram.layout).current?.resetPending === true) fram.op(() => completePendingReset(fram.store));
    return fram;
  }

  /** Format (all data except wear counters is lost) and mount. */
  static format(device: FramDevice, options: FormatOptions = {}): Fram {
    const store = new FramStore(device);
    formatFram(store, options);
    return new Fram(store);
  }

  get layout(): FramLayout {
    return this.store.layout;
  }

  get device(): FramDevice {
    return this.store.device;
  }

  /** The slot the superblock makes active, or null (empty, reset, or no valid superblock). Reads one record, verifies nothing. */
  activeSlot(): SlotId | null {
    return readSuperblock(this.store, this.layout).current?.active ?? null;
  }

  /** True once the formatted superblock exists. */
  get formatted(): boolean {
    return readSuperblock(this.store, this.layout).current !== null;
  }

  /**
   * True when this FRAM was never formatted to the end: blank, or its first
   * format was cut short by a power cut (superblock.ts firstFormatUnfinished).
   * It holds nothing to lose: format it again. Damage never reads as this.
   */
  get neverFormatted(): boolean {
    return firstFormatUnfinished(readSuperblock(this.store, this.layout));
  }

  /** Pick, verify and report the image to run (writes the trial attempt or a fallback). */
  boot(check?: ImageCheck): BootReport {
    return this.op(() => boot(this.store, check));
  }

  /** Start or resume staging an image into the inactive slot. */
  beginStaging(req: StagingRequest): StagingStatus & { readonly resumed: boolean } {
    return this.op(() => beginStaging(this.store, req));
  }

  /** Write one chunk (image-relative offset); rewriting a chunk is harmless. */
  writeStaged(offset: number, bytes: Uint8Array): StagingStatus {
    return this.op(() => writeStaged(this.store, offset, bytes));
  }

  /** The staging in progress, or null (use after a power cycle to resume). */
  staging(): StagingStatus | null {
    return stagingStatus(this.store);
  }

  abortStaging(): void {
    this.op(() => abortStaging(this.store));
  }

  /** Verify the staged image from FRAM and make it active in trial. */
  commit(check: ImageCheck): CommitResult {
    return this.op(() => commitStaged(this.store, check));
  }

  rollback(check?: ImageCheck): RollbackResult {
    return this.op(() => rollback(this.store, check));
  }

  confirm(): { readonly slot: SlotId; readonly alreadyConfirmed: boolean } {
    return this.op(() => confirm(this.store));
  }

  factoryReset(): void {
    this.op(() => factoryReset(this.store));
  }

  readValue(persistKey: number): ValueRead {
    return readValue(this.store, this.layout, persistKey);
  }

  saveValue(persistKey: number, bytes: Uint8Array): { offset: number; seq: number } {
    return this.op(() => saveValue(this.store, this.layout, persistKey, bytes));
  }

  settings(): Settings {
    return readSettings(this.store, this.layout).settings;
  }

  writeSettings(settings: Settings): void {
    this.op(() => writeSettings(this.store, this.layout, settings));
  }

  /** The boot configuration (bootcfg.ts), or the default one (`stored` false). */
  bootConfig(): { config: BootConfig; stored: boolean } {
    return readBootConfig(this.store, this.layout);
  }

  writeBootConfig(config: BootConfig): void {
    this.op(() => writeBootConfig(this.store, this.layout, config));
  }

  /** The path the image with this SHA-256 in `slot` was read from (origin.ts), or null. */
  slotOrigin(slot: SlotId, sha256: string): string | null {
    return readSlotOrigin(this.store, slotLayout(this.layout, slot), sha256);
  }

  /** Record where the image about to be committed into `slot` came from (before its commit). */
  writeSlotOrigin(slot: SlotId, sha256: string, path: string): void {
    this.op(() => writeSlotOrigin(this.store, slotLayout(this.layout, slot), sha256, path));
  }

  trust(): TrustArea | null {
    return readTrust(this.store, this.layout);
  }

  writeTrust(trust: TrustArea): void {
    this.op(() => writeTrust(this.store, this.layout, trust));
  }

  /**
   * Raise the stored security counter to `counter` (a two-copy write of the
   * trust record, power-safe like every record); nothing is written when it
   * is not above the stored one. Returns whether it was raised.
   */
  raiseSecurityCounter(counter: number): boolean {
    const t = this.trust();
    if (t === null || counter <= t.securityCounter) return false;
    this.op(() => writeTrust(this.store, this.layout, { ...t, securityCounter: counter }));
    return true;
  }

  /** The audit ring (audit.ts), oldest first. */
  audit(): AuditRing {
    return readAudit(this.store, this.layout);
  }

  /** Append a security event to the audit ring (overwrites the oldest of 16). */
  appendAudit(e: Omit<AuditEntryWire, 'seq'>): AuditEntryWire {
    return this.op(() => appendAudit(this.store, this.layout, e));
  }

  /** Wear per partition, including writes not yet persisted. */
  wear(): readonly WearCounter[] {
    return this.store.wear();
  }

  /** The FRAM map (read-only decode of the whole device). */
  map(): FramMap {
    return decodeFramMap(this.device);
  }

  private op<T>(fn: () => T): T {
    const result = fn();
    this.store.flushWear();
    return result;
  }
}

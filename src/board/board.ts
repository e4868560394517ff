/**
 * The virtual board: a FRAM (file or memory), the loader, the virtual
 * executive and the event stream, behind the protocol's image sink and board
 * controls, so `serveTarget(channel, board)` serves it over any link.
 * Opening a board is a power-on (boot sequence in board-boot.ts); `powerOff`
 * is a power cut (pending value writes are lost), `close` an orderly shutdown.
 */
import { asyncScheduler, concat, from, type Observable, type SchedulerLike } from 'rxjs';
import type { Fram, FramDevice, FramMap, ImageOrigin } from '../fram/index.js';
import { crc32, sha256Hex } from '../util/digest.js';
import { fromHex, toHex } from '../util/hex.js';
import { KNOWN_CAPABILITIES } from '../hxe/constants.js';
import { parseHxe } from '../hxe/parse.js';
import { isBundleHead, keyIdOf } from '../bundle/index.js';
import type { ResourceLimits } from '../hxe/policy.js';
import { MAX_STATUS_DAMAGE } from '../protocol/messages.js';
import { preview } from '../util/nesting.js';
import { ANY_SLOT, ImageKind, LoaderCapability, takesCompression, takesDelta, type FramRegion } from '../protocol/messages-types.js';
import type { BackendInfo, BackendStatus, BeginRequest, BeginResult, BoardControl, CommitResult, HeldImage, ImageSink, TrustAddRequest, TrustStoreInfo } from '../protocol/image-sink.js';
import { addTrust, trustInfo } from './board-trust.js';
import { addFurtherKey } from './auth-trust.js';
import { BoardAuth } from './auth.js';
import type { AuditEntryWire } from '../protocol/messages-types.js';
import { MessageType } from '../protocol/messages-types.js';
import { WireCode } from '../protocol/messages-codes.js';
import type { AuthCommand, NonceGrant } from '../protocol/image-sink.js';
import { trustViolation } from './trust-policy.js';
import { bootBoard, type BootSummary } from './board-boot.js';
import { type FramSpec, mountFram, openFramDevice } from './board-fram.js';
import { type BoardReport, slotEventInfo, slotNumber, slotReports, slotTable } from './board-report.js';
import { rangesTotal } from '../util/ranges.js';
import { ActiveSlotCopy, BOARD_CODECS } from './delta-copy.js';
import { BoardError, framOp } from './errors.js';
import { EventBus } from './event-bus.js';
import type { BoardEvent, Phase } from './events.js';
import { Executive, type RunningApp, type RunningValue } from './executive.js';
import { BoardLoader, type CommitOutcome, type LoadOutcome } from './loader.js';
import type { LoadSession } from './session.js';
import { bundleStatus, checkContentPolicy, contentOf, type SlotContent } from './slot-content.js';
import type { ImageReader } from '../image/reader.js';
import type { BootcfgBody, BootcfgInfoMsg } from '../protocol/messages-bootcfg.js';
import type { OriginInfo } from '../protocol/messages-types.js';
import { bootConfigInfo, storeBootConfig } from './provision-config.js';
import { type BootSources, type ProvisionResult, provisionAtBoot } from './provision.js';

export interface VirtualBoardOptions {
  readonly fram: FramSpec;
  /** CAN node id (default 1). */
  readonly nodeId?: number;
  /** What INFO calls the board (default "hsx-virtual"). */
  readonly identity?: string;
  /** Capability bits offered: HXE req_caps bits and LoaderCapability bits (default every known one: bundles, delta and compression taken). */
  readonly capabilities?: number;
  /** Copy unchanged parts of a new image from the active slot (INFO bit 29, docs/protocol.md 9; default: that bit of `capabilities`). */
  readonly delta?: boolean;
  /** Decode compressed chunks (INFO bit 28, codec hlz1; default: that bit of `capabilities`). */
  readonly compression?: boolean;
  /** What one app may use (default: 64 KiB code, 64 KiB rodata, 32 KiB RAM, 2 KiB stack). */
  readonly limits?: ResourceLimits;
  /** Trial boots before falling back (stored in the FRAM settings; default: what the FRAM holds, 3 when new). */
  readonly maxTrialBoots?: number;
  /** Confirm a trial image by policy once it started (stored in the FRAM settings). */
  readonly autoConfirm?: boolean;
  /** The link images arrive on (default "uart"). */
  readonly source?: ImageOrigin;
  /** Apps that run beside the slot app (firmware, SD manifest): count for the instance rule. */
  readonly residentApps?: readonly { readonly image: Uint8Array; readonly source: ImageOrigin }[];
  readonly scheduler?: SchedulerLike;
  /** Progress coalescing window of events$, ms (default 100). */
  readonly progressWindowMs?: number;
}

export const DEFAULT_LIMITS: ResourceLimits = { code: 0x10000, rodata: 0x10000, ram: 0x8000, stack: 0x800 };

export class VirtualBoard implements ImageSink, BoardControl {
  readonly nodeId: number;
  readonly identity: string;
  readonly capabilities: number;
  readonly limits: ResourceLimits;
  readonly executive: Executive;
  private readonly bus: EventBus;
  private readonly loader: BoardLoader;
  private bootSummary: BootSummary;
  private closed = false;
  private booting = true;
  /** What the boot sequence emitted (a rollback, value restores): bounded by the image's values. */
  private readonly bootEvents: BoardEvent[] = [];
  /** Authenticated commands: the live nonce (RAM: a reboot forgets it) and the audit ring. */
  private readonly auth: BoardAuth;
  /** Delta and compressed transfers: the active slot as copy source, the codecs (undefined when both are off). */
  readonly delta: ActiveSlotCopy | undefined;
  private readonly deltaBits: number;
  /** This power-on's number in the audit ring: one more than the last entry's, fixed at the first event. */
  private powerOn: number | undefined;

  private constructor(
    readonly fram: Fram,
    readonly device: FramDevice,
    readonly formatted: boolean,
    opts: VirtualBoardOptions,
  ) {
    const scheduler = opts.scheduler ?? asyncScheduler;
    this.nodeId = opts.nodeId ?? 1;
    this.identity = opts.identity ?? 'hsx-virtual';
    this.capabilities = (opts.capabilities ?? (KNOWN_CAPABILITIES | LoaderCapability.bundle | LoaderCapability.bootcfg | LoaderCapability.delta | LoaderCapability.compression)) >>> 0;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    const copies = opts.delta ?? takesDelta(this.capabilities);
    const packs = opts.compression ?? takesCompression(this.capabilities);
    this.delta = copies || packs ? new ActiveSlotCopy(fram, copies, packs ? BOARD_CODECS : []) : undefined;
    this.deltaBits = (copies ? LoaderCapability.delta : 0) | (packs ? LoaderCapability.compression : 0);
    this.bus = new EventBus(scheduler, opts.progressWindowMs);
    const phase = (): Phase => (this.booting ? 'BOOT' : this.loader.state);
    this.executive = new Executive({
      readValue: (k) => fram.readValue(k),
      saveValue: (k, b) => fram.saveValue(k, b),
      scheduler,
      debounceMs: fram.settings().valueDebounceMs,
      bus: this.bus,
      phase,
    });
    const policy = { capabilities: this.capabilities, limits: this.limits };
    const booting = this.bus.all$.subscribe((e) => this.bootEvents.push(e));
    for (const r of opts.residentApps ?? []) this.executive.registerResident(parseHxe(r.image), r.source, crc32(r.image));
    this.bootSummary = bootBoard(fram, this.executive, this.bus, policy, fram.settings().autoConfirm, this.name);
    this.loader = new BoardLoader({ fram, executive: this.executive, bus: this.bus, policy, source: opts.source ?? 'uart', board: this.name });
    this.booting = false;
    booting.unsubscribe();
    this.auth = new BoardAuth(fram, this.name, scheduler, () => (this.powerOn ??= (fram.audit().entries.at(-1)?.boot ?? 0) + 1));
  }

  /** Power on: open (or create and format) the FRAM, apply the settings given, boot. */
  static open(opts: VirtualBoardOptions): VirtualBoard {
    const device = openFramDevice(opts.fram);
    const { fram, formatted } = mountFram(device);
    if (fram.formatted && (opts.maxTrialBoots !== undefined || opts.autoConfirm !== undefined)) {
      const s = fram.settings();
      const next = { ...s, maxTrialBoots: opts.maxTrialBoots ?? s.maxTrialBoots, autoConfirm: opts.autoConfirm ?? s.autoConfirm };
      if (next.maxTrialBoots !== s.maxTrialBoots || next.autoConfirm !== s.autoConfirm) framOp('write settings', () => fram.writeSettings(next));
    }
    return new VirtualBoard(fram, device, formatted, opts);
  }

  /**
   * Events, progress coalesced per subscriber (see event-bus.ts). Every
   * subscriber first gets the events of this power-on's boot sequence
   * (rollback, value restores), since they happen before anyone can subscribe.
   */
  get events$(): Observable<BoardEvent> {
    return concat(from(this.bootEvents.slice()), this.bus.events$);
  }

  /** Every event, progress not coalesced (boot events first, as events$). */
  get allEvents$(): Observable<BoardEvent> {
    return concat(from(this.bootEvents.slice()), this.bus.all$);
  }

  /** How messages name this board: "board <node id>". */
  get name(): string {
    return `board ${this.nodeId}`;
  }

  /** How the last image ended (IDLE, READY, FAILED); a session in progress is the engine's (serveTarget's state). */
  get state(): LoadOutcome {
    return this.loader.state;
  }

  /** The image being stored (its verified prefix), or null. */
  loaderSession(): LoadSession | null {
    return this.loader.active;
  }

  get boot(): BootSummary {
    return this.bootSummary;
  }

  /** The full local status (slots verified from FRAM, running apps with their values). */
  report(): BoardReport {
    return this.reportFrom(this.fram.map());
  }

  private reportFrom(map: FramMap): BoardReport {
    const sb = map.superblocks.find((s) => s.newest)?.state ?? null;
    return {
      nodeId: this.nodeId,
      identity: this.identity,
      capabilities: this.capabilities,
      framSize: this.device.size,
      state: this.bootSummary.recovery !== null && this.executive.slot === null && this.loader.state === 'IDLE' ? 'RECOVERY' : this.loader.state,
      recovery: this.bootSummary.recovery,
      active: sb?.active ?? null,
      trial: sb?.trial ?? false,
      bootAttempt: sb?.bootAttempts ?? 0,
      maxTrialBoots: sb?.maxAttempts ?? this.fram.settings().maxTrialBoots,
      slots: slotReports(map),
      apps: this.executive.apps,
      bundle: this.bundleInfo() ?? null,
      lastError: this.lastError(),
      framErrors: map.findings.filter((f) => f.severity === 'error').map((f) => f.message),
    };
  }

  /** The active slot's bundle as STATUS_INFO reports it, when the slot's apps come from one. */
  private bundleInfo(): ReturnType<typeof bundleStatus> | undefined {
    const b = this.executive.bundle;
    return b === null ? undefined : bundleStatus(b, this.executive.slotRunning.map((a) => a.instance));
  }

  /** The loader's last error or, when nothing could boot, why the board is in recovery. */
  private lastError(): { code: string; message: string } | null {
    const e = this.loader.lastError;
    if (e !== null) return { code: e.code, message: e.message };
    const why = this.bootSummary.recovery;
    return why !== null && this.executive.slot === null ? { code: 'recovery', message: `no bootable image: ${why}` } : null;
  }

  /** Set a value of a running app; persisted ones reach FRAM after the debounce window. */
  setValue(pid: number, groupId: number, valueId: number, value: number): RunningValue {
    return this.executive.setValue(pid, groupId, valueId, value);
  }

  get apps(): readonly RunningApp[] {
    return this.executive.apps;
  }

  /**
   * Install an image locally, as the board's own loader does from an SD
   * manifest or a factory fixture: the same loader, checks and commit as over
   * the wire, read in 1 KiB pieces; `confirm` makes it known-good at once.
   */
  install(bytes: Uint8Array, source: ImageOrigin, opts: { readonly confirm?: boolean } = {}): CommitOutcome {
    const sha = sha256Hex(bytes);
    this.loader.begin({ size: bytes.length, crc32: crc32(bytes), sha256: sha, imageKind: isBundleHead(bytes.subarray(0, 4)) ? 'bundle' : 'hxe', fresh: true, source });
    for (let o = 0; o < bytes.length; o += 1024) {
      const end = Math.min(bytes.length, o + 1024);
      this.loader.write(o, bytes.subarray(o, end), end);
    }
    const c = this.loader.end();
    this.delta?.forget();
    if (opts.confirm === true) framOp('confirm', () => this.fram.confirm());
    return c;
  }

  /**
   * Install an image read through an image reader (the boot sequence's host
   * preload and SD card, src/board/provision.ts): the loader's begin, writes
   * in 1 KiB pieces and end, as `install`; `path` is recorded as the image's
   * origin before the commit.
   */
  async installFrom(reader: ImageReader, source: ImageOrigin, path: string | null, beforeCommit?: () => void): Promise<CommitOutcome> {
    const sha = toHex(reader.sha256);
    const head = await reader.read(0, Math.min(4, reader.size));
    const b = this.loader.begin({ size: reader.size, crc32: reader.crc32, sha256: sha, imageKind: isBundleHead(head) ? 'bundle' : 'hxe', fresh: true, source });
    try {
      for (let o = 0; o < reader.size; o += 1024) {
        const end = Math.min(reader.size, o + 1024);
        this.loader.write(o, await reader.read(o, end - o), end);
      }
    } catch (e) {
      if (this.loader.active !== null) this.loader.abort(`reading ${reader.name} failed`);
      throw e;
    }
    if (path !== null) framOp('record the image origin', () => this.fram.writeSlotOrigin(b.slot, sha, path));
    const c = this.loader.end(beforeCommit);
    this.delta?.forget();
    return c;
  }

  /** The boot order (src/board/provision.ts): scan the sources the boot configuration names; run once after power-on, before serving. */
  provision(sources: BootSources): Promise<ProvisionResult> {
    return provisionAtBoot(
      {
        fram: this.fram,
        nodeId: this.nodeId,
        board: this.name,
        emit: (type, fields) => this.bus.emit(type, 0, 'BOOT', fields),
        install: (reader, source, path, beforeCommit) => this.installFrom(reader, source, path, beforeCommit),
      },
      sources,
    );
  }

  // ---- ImageSink and BoardControl -------------------------------------------

  async info(): Promise<BackendInfo> {
    await Promise.resolve();
    const l = this.limits;
    const limits = { code: l.code, rodata: l.rodata, ram: l.ram, stack: l.stack };
    // only on the slots a new image can go to (never the running one): INFO stays small
    const slots = slotTable(this.fram.map()).map((s) => (s.state === 'active' || s.state === 'trial' ? s : { ...s, limits }));
    // bit 30 says the image policy is signed, so a host refuses an unsigned image before sending it
    const signedOnly = this.fram.trust()?.policy === 'signed' ? LoaderCapability.signedOnly : 0;
    return { nodeId: this.nodeId, identity: this.identity, capabilities: ((this.capabilities & ~(LoaderCapability.delta | LoaderCapability.compression)) | signedOnly | this.deltaBits) >>> 0, framSize: this.device.size, slots };
  }

  async held(): Promise<HeldImage | undefined> {
    await Promise.resolve();
    const h = this.loader.held();
    return h === undefined ? undefined : { size: h.size, sha256: fromHex(h.sha256), ranges: h.ranges };
  }

  async begin(req: BeginRequest): Promise<BeginResult> {
    await Promise.resolve();
    if (req.sha256.length !== 32) throw new BoardError('EBADMSG', `BEGIN carries a ${req.sha256.length}-byte SHA-256; it must be 32 bytes`);
    const inactive = this.fram.activeSlot() === 'A' ? 'B' : 'A';
    if (req.slot !== ANY_SLOT && req.slot !== slotNumber(inactive)) {
      throw new BoardError('EINVAL', `BEGIN asks for slot ${req.slot}; new images go to the inactive slot ${slotNumber(inactive)} (${inactive}) or ANY_SLOT (0xff)`);
    }
    const r = this.loader.begin({ size: req.size, crc32: req.crc32, sha256: toHex(req.sha256), imageKind: kindName(req.imageKind), fresh: req.fresh });
    return { resumed: r.resumed, ranges: r.ranges };
  }

  async write(offset: number, bytes: Uint8Array, prefix: number): Promise<void> {
    await Promise.resolve();
    this.loader.write(offset, bytes, prefix);
  }

  async end(): Promise<CommitResult> {
    await Promise.resolve();
    const c = this.loader.end();
    this.delta?.forget();
    return { slot: slotNumber(c.slot), size: c.size, crc32: c.crc32, sha256: fromHex(c.sha256) };
  }

  async abort(): Promise<void> {
    await Promise.resolve();
    this.loader.abort();
  }

  async status(): Promise<BackendStatus> {
    await Promise.resolve();
    const map = this.fram.map();
    const r = this.reportFrom(map);
    // storage damage no power cut explains, as fmap shows it; reported until the next write of that record repairs it
    const damage = map.findings.filter((f) => f.severity === 'error').slice(0, MAX_STATUS_DAMAGE).map((f) => ({ code: f.code, offset: f.offset, message: preview(f.message, 80) })); // small: STATUS_INFO must fit the frame
    const lastEvent = slotEventInfo(map);
    const st = framOp('STATUS', () => this.fram.staging());
    const held = st === null ? 0 : rangesTotal(st.held);
    const bundle = this.bundleInfo();
    return {
      state: r.state, slots: slotTable(map), bootCount: r.bootAttempt, lastError: r.lastError, ...(damage.length === 0 ? {} : { damage }),
      ...(lastEvent === undefined ? {} : { lastEvent }),
      ...(st === null || held === 0 ? {} : { staged: { slot: slotNumber(st.slot), size: st.size, held } }),
      ...(bundle === undefined ? {} : { bundle }),
      ...originOf(map, this.fram),
    };
  }

  /** Where the active image came from: the slot header's source and the path its origin record names (src/fram/origin.ts). */
  origin(): OriginInfo | undefined {
    return originOf(this.fram.map(), this.fram).origin;
  }

  async rollback(slot: number): Promise<void> {
    await Promise.resolve();
    const sb = this.report();
    const previous = sb.slots.find((s) => s.state === 'previous');
    if (slot !== ANY_SLOT && (previous === undefined || slot !== slotNumber(previous.slot))) {
      throw new BoardError('EINVAL', `ROLLBACK to slot ${slot}: ${previous === undefined ? 'no previous known-good image is recorded' : `the previous image is in slot ${slotNumber(previous.slot)} (${previous.slot})`}`);
    }
    let content: SlotContent | undefined;
    const r = framOp('ROLLBACK', () =>
      this.fram.rollback((bytes) => {
        content = contentOf(bytes);
        checkContentPolicy(content, { capabilities: this.capabilities, limits: this.limits });
        return { appName: content.name };
      }),
    );
    this.delta?.forget();
    const pid = this.executive.allocatePid();
    this.bus.emit('provisioning.rollback', pid, this.loader.state, { from: r.from, to: r.to, reason: 'host', appName: r.image.appName, detail: `ROLLBACK requested by the host: slot ${r.to} is active again` });
    if (content !== undefined) this.executive.registerSlot(content, { slot: r.to, source: r.image.source, crc32: r.image.crc32 }, pid);
  }

  async confirm(slot: number): Promise<string | undefined> {
    await Promise.resolve();
    const active = this.fram.activeSlot();
    if (active === null) throw new BoardError('EINVAL', 'CONFIRM: no image is active, nothing to confirm');
    if (this.executive.slot === null) {
      // Recovery: the active slot did not verify at boot. Confirming it would make a corrupt image known-good.
      throw new BoardError('EINVAL', `CONFIRM: the image in slot ${slotNumber(active)} (${active}) did not verify at boot and is not running: flash a new image or roll back`);
    }
    if (slot !== ANY_SLOT && slot !== slotNumber(active)) {
      throw new BoardError('EINVAL', `CONFIRM slot ${slot}: the active image is in slot ${slotNumber(active)} (${active})`);
    }
    const c = framOp('CONFIRM', () => this.fram.confirm());
    if (!c.alreadyConfirmed) return undefined;
    const app = this.executive.slot?.appName;
    return `nothing to confirm: slot ${c.slot}${app === null || app === undefined ? '' : ` (${app})`} is already permanent`;
  }

  async factoryReset(): Promise<void> {
    await Promise.resolve();
    this.executive.stopSlotApp();
    framOp('FACTORY_RESET', () => this.fram.factoryReset());
    this.delta?.forget();
  }

  async trustList(): Promise<TrustStoreInfo> {
    await Promise.resolve();
    // the image running now, judged by the store as it is now (a rollback or a policy change since boot included)
    const running = this.executive.slot === null ? null : trustViolation({ apps: [], bundle: this.executive.bundle, name: null }, { board: this.name, trust: this.fram.trust() });
    return trustInfo(this.fram, running);
  }

  async trustAdd(req: TrustAddRequest): Promise<string> {
    await Promise.resolve();
    const { auth: _auth, ...add } = req;
    const done = this.auth.consumeGrant(MessageType.TRUST_ADD) ? addFurtherKey(this.fram, this.name, add) : addTrust(this.fram, this.name, add);
    this.auth.record('trust_changed', MessageType.TRUST_ADD, WireCode.OK, keyIdOf(add.publicKey)); // the key added (the one that authorised it is in the entry before)
    return done;
  }

  async challenge(): Promise<NonceGrant> {
    await Promise.resolve();
    return this.auth.challenge();
  }

  async authorise(cmd: AuthCommand): Promise<void> {
    await Promise.resolve();
    this.auth.authorise(cmd);
  }

  async bootConfig(): Promise<Omit<BootcfgInfoMsg, 'kind'>> {
    await Promise.resolve();
    this.requireBootcfg('BOOTCFG_GET');
    return bootConfigInfo(this.fram);
  }

  async setBootConfig(cfg: BootcfgBody): Promise<string> {
    await Promise.resolve();
    this.requireBootcfg('BOOTCFG_SET');
    return storeBootConfig(this.fram, cfg, this.name);
  }

  /** A board whose capabilities lack bit 27 (`--caps` without it) keeps no boot configuration on the wire, as its INFO says. */
  private requireBootcfg(what: string): void {
    if (((this.capabilities & LoaderCapability.bootcfg) >>> 0) === 0) {
      throw new BoardError('ENOTSUP', `${what}: ${this.name} keeps no boot configuration (capabilities 0x${this.capabilities.toString(16).padStart(8, '0')}, bit 27 clear)`);
    }
  }

  async audit(): Promise<readonly AuditEntryWire[]> {
    await Promise.resolve();
    return this.fram.audit().entries;
  }

  async fmap(): Promise<readonly FramRegion[]> {
    await Promise.resolve();
    return this.fram.layout.partitions.map((p) => ({ name: p.name, offset: p.offset, size: p.length }));
  }

  // ---- power ---------------------------------------------------------------

  /** Orderly shutdown: pending value writes are flushed, the FRAM closed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.executive.flush();
    this.powerOff();
  }

  /** Power cut: pending value writes are lost, the FRAM closed. Idempotent. */
  powerOff(): void {
    if (this.closed) return;
    this.closed = true;
    this.executive.dispose();
    this.bus.complete();
    this.device.close();
  }
}

/** STATUS_INFO `origin` of the active image, from a map already read. */
function originOf(map: FramMap, fram: Fram): { origin?: OriginInfo } {
  const s = map.slots.find((x) => x.role === 'active' && x.verified);
  if (s === undefined || s.source === null || s.sha256 === null) return {};
  const sha = s.sha256;
  const path = framOp('read the slot origin', () => fram.slotOrigin(s.slot, sha));
  return { origin: path === null ? { source: s.source } : { source: s.source, path } };
}

/** BEGIN's image kind as the loader names it. */
function kindName(kind: ImageKind): 'hxe' | 'bundle' | 'raw' {
  switch (kind) {
    case ImageKind.hxe:
      return 'hxe';
    case ImageKind.bundle:
      return 'bundle';
    case ImageKind.raw:
      return 'raw';
  }
}

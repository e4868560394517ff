/**
 * Test rig for transfers: the real codecs and channels over the link
 * emulator, a FileSink target in a temp directory, all in virtual time.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { openByteStreamChannel, openCanChannel } from '../../src/protocol/channel.js';
import { FileSink, connect, serveTarget, transfer } from '../../src/protocol/engine/index.js';
import type { PeerInfo, ServeOptions, TargetHandle, TransferEvent, TransferOptions, TransferResult } from '../../src/protocol/engine/index.js';
import type { FrameChannel } from '../../src/protocol/types.js';
import { createEmulatedLink } from '../../src/transports/emulator.js';
import type { DisconnectSpec, EmulatedLink, FaultSpec } from '../../src/transports/emulator.js';
import { bytesImageReader } from '../../src/image/reader.js';
import type { ByteStreamTransport, CanTransport } from '../../src/transports/types.js';
import { VirtualClock } from '../unit/transports/virtual-time.js';

export interface RigOptions {
  readonly mode?: 'bytes' | 'can';
  readonly bitRate?: number;
  readonly latencyMs?: number;
  readonly faults?: FaultSpec | readonly FaultSpec[];
  readonly seed?: number;
  readonly maxFrame?: number;
  readonly disconnect?: DisconnectSpec;
  readonly serve?: ServeOptions;
}

/** Deterministic pseudo-random image. */
export function image(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export class Rig {
  readonly clock = new VirtualClock();
  readonly dir = mkdtempSync(join(tmpdir(), 'hilbridge-transfer-'));
  readonly sinkPath = join(this.dir, 'image.bin');
  readonly link: EmulatedLink<ByteStreamTransport> | EmulatedLink<CanTransport>;
  host!: FrameChannel;
  targetCh!: FrameChannel;
  sink!: FileSink;
  target!: TargetHandle;

  constructor(readonly opts: RigOptions = {}) {
    const common = {
      scheduler: this.clock.scheduler,
      latencyMs: opts.latencyMs ?? 2,
      seed: opts.seed ?? 1,
      faults: opts.faults,
      disconnect: opts.disconnect,
      name: opts.mode === 'can' ? 'vcan0' : '/dev/ttyEMU0',
    };
    this.link =
      opts.mode === 'can'
        ? createEmulatedLink({ ...common, mode: 'can', bitRate: opts.bitRate ?? 1_000_000 })
        : createEmulatedLink({ ...common, mode: 'bytes', bitRate: opts.bitRate ?? 921_600 });
    this.open();
    this.restartTarget();
  }

  private get maxFrame(): number {
    return this.opts.maxFrame ?? (this.opts.mode === 'can' ? 1024 + 20 : 4096 + 20);
  }

  /** Channels over the link's current transports (after a reconnect too). */
  open(): void {
    const maxFrame = this.maxFrame;
    if (this.opts.mode === 'can') {
      const l = this.link as EmulatedLink<CanTransport>;
      this.host = openCanChannel(l.host, { node: 5, idFormat: 'std', fd: false, role: 'host', maxFrame });
      this.targetCh = openCanChannel(l.target, { node: 5, idFormat: 'std', fd: false, role: 'target', maxFrame });
    } else {
      const l = this.link as EmulatedLink<ByteStreamTransport>;
      this.host = openByteStreamChannel(l.host, { maxFrame, role: 'host' });
      this.targetCh = openByteStreamChannel(l.target, { maxFrame, role: 'target' });
    }
  }

  /** A fresh target process: a new FileSink on the same file, a new serveTarget. */
  restartTarget(): void {
    void this.target?.close();
    this.sink?.close();
    this.sink = new FileSink(this.sinkPath);
    this.target = serveTarget(this.targetCh, this.sink, { scheduler: this.clock.scheduler, ...this.opts.serve });
  }

  /** Plug the link back in and serve on the new ends with the same sink. */
  reconnect(): void {
    this.link.reconnect();
    this.open();
    void this.target.close();
    this.target = serveTarget(this.targetCh, this.sink, { scheduler: this.clock.scheduler, ...this.opts.serve });
  }

  connect(): Promise<PeerInfo> {
    return this.clock.until(connect(this.host, { scheduler: this.clock.scheduler, tries: 8 }));
  }

  /** Run a whole transfer in virtual time; resolves with every event (the last is 'done') or rejects with the error. */
  async run(bytes: Uint8Array, opts: Partial<TransferOptions> = {}): Promise<TransferEvent[]> {
    const peer = opts.peer ?? (await this.connect());
    const src = bytesImageReader(bytes);
    const events = lastValueFrom(transfer(this.host, src, { scheduler: this.clock.scheduler, ...opts, peer }).pipe(toArray()));
    return this.clock.until(events);
  }

  async result(bytes: Uint8Array, opts: Partial<TransferOptions> = {}): Promise<TransferResult> {
    const events = await this.run(bytes, opts);
    const last = events.at(-1);
    if (last?.kind !== 'done') throw new Error(`transfer ended without a result: ${JSON.stringify(last)}`);
    return last.result;
  }

  received(): Uint8Array {
    return new Uint8Array(readFileSync(this.sinkPath));
  }

  async dispose(): Promise<void> {
    await this.target.close();
    this.sink.close();
    await this.link.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

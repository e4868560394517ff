/**
 * The reference image sink (and board controls): a file on disk. Chunks are written at their
 * offsets; the set of held ranges and the image identity are persisted beside
 * it (`<path>.held.json`, replaced atomically after every write), so a new
 * sink on the same path after a target restart resumes where the last one
 * stopped. Verification streams the file back (64 KiB at a time) and checks
 * size, CRC-32 and SHA-256 against BEGIN.
 *
 * I/O is synchronous, like a flash write on a board: the engine waits for it,
 * and tests in virtual time stay deterministic. Used by tests and the bench;
 * the FRAM-backed virtual board in src/board is the production backend.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { OffsetError, UsageError } from '../../errors.js';
import { crc32 } from '../../util/digest.js';
import { fromHex, toHex } from '../../util/hex.js';
import { ANY_SLOT } from '../messages-types.js';
import type { ByteRange, FramRegion, ImageKind } from '../messages-types.js';
import type { BackendInfo, BackendStatus, BeginRequest, BeginResult, BoardControl, CommitResult, HeldImage, ImageSink } from '../image-sink.js';
import { RangeSet } from '../../util/ranges.js';

export interface FileSinkOptions {
  /** Largest image accepted, bytes (default 256 MiB); larger BEGINs get ENOSPC. */
  readonly capacity?: number;
  readonly nodeId?: number;
  readonly identity?: string;
  readonly capabilities?: number;
}

interface Meta {
  size: number;
  sha256: string;
  crc32: number;
  slot: number;
  imageKind: ImageKind;
  ranges: ByteRange[];
  committed: boolean;
}

/** A failure of the sink whose code (and offset) the target puts on the wire. */
export class SinkError extends OffsetError {}

const BLOCK = 64 * 1024;

export class FileSink implements ImageSink, BoardControl {
  private meta: Meta | undefined;
  private have = new RangeSet();
  private fd: number | undefined;
  private readonly capacity: number;

  /** Open (or create) a sink at `path`, picking up what an earlier sink persisted there. */
  constructor(
    readonly path: string,
    private readonly opts: FileSinkOptions = {},
  ) {
    this.capacity = opts.capacity ?? 256 * 1024 * 1024;
    this.meta = this.loadMeta();
    if (this.meta) this.have = new RangeSet(this.meta.ranges);
  }

  private get metaPath(): string {
    return `${this.path}.held.json`;
  }

  private loadMeta(): Meta | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.metaPath, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as Meta;
    } catch (e) {
      throw new UsageError('sink_state_corrupt', `cannot parse ${this.metaPath}: ${e instanceof Error ? e.message : String(e)}; delete it to start over`, { cause: e });
    }
  }

  private persist(): void {
    if (!this.meta) return;
    this.meta.ranges = this.have.ranges;
    const tmp = `${this.metaPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.meta));
    fs.renameSync(tmp, this.metaPath);
  }

  private openFd(): number {
    this.fd ??= fs.openSync(this.path, fs.existsSync(this.path) ? 'r+' : 'w+');
    return this.fd;
  }

  info(): Promise<BackendInfo> {
    return Promise.resolve({
      nodeId: this.opts.nodeId ?? 0,
      identity: this.opts.identity ?? `file-sink ${this.path}`,
      capabilities: this.opts.capabilities ?? 0,
      framSize: this.capacity,
      slots: [this.slotInfo()],
    });
  }

  private slotInfo(): { slot: number; state: string; size?: number; crc32?: number } {
    const m = this.meta;
    if (!m) return { slot: 0, state: 'empty' };
    return { slot: m.slot, state: m.committed ? 'active' : 'receiving', size: m.size, crc32: m.crc32 };
  }

  held(): Promise<HeldImage | undefined> {
    const m = this.meta;
    if (!m || m.committed) return Promise.resolve(undefined);
    return Promise.resolve({ size: m.size, sha256: fromHex(m.sha256), ranges: this.have.ranges });
  }

  begin(req: BeginRequest): Promise<BeginResult> {
    return new Promise((resolve) => {
      if (req.size > this.capacity) {
        throw new SinkError('ENOSPC', `image of ${req.size} bytes does not fit ${this.path} (capacity ${this.capacity})`);
      }
      const sha = toHex(req.sha256);
      const m = this.meta;
      if (m && !m.committed && !req.fresh && m.size === req.size && m.sha256 === sha) {
        resolve({ resumed: this.have.count > 0, ranges: this.have.ranges });
        return;
      }
      fs.ftruncateSync(this.openFd(), req.size);
      this.have = new RangeSet();
      this.meta = { size: req.size, sha256: sha, crc32: req.crc32, slot: req.slot === ANY_SLOT ? 0 : req.slot, imageKind: req.imageKind, ranges: [], committed: false };
      this.persist();
      resolve({ resumed: false, ranges: [] });
    });
  }

  write(offset: number, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      const m = this.meta;
      if (!m || m.committed) throw new SinkError('ESRCH', `no image being received into ${this.path}`);
      if (offset + bytes.length > m.size) throw new SinkError('EBADMSG', `write of ${bytes.length} bytes at ${offset} is beyond the image size ${m.size}`, offset);
      const fd = this.openFd();
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, offset + done);
      this.have.add(offset, offset + bytes.length);
      this.persist();
      resolve();
    });
  }

  end(): Promise<CommitResult> {
    return new Promise((resolve) => {
      const m = this.meta;
      if (!m) throw new SinkError('ESRCH', `no image being received into ${this.path}`);
      const missing = this.have.prefix;
      if (!this.have.has(0, m.size) && m.size > 0) throw new SinkError('EAGAIN', `bytes from ${missing} are missing`, missing);
      const fd = this.openFd();
      const hash = createHash('sha256');
      const buf = new Uint8Array(BLOCK);
      let crc = 0;
      for (let at = 0; at < m.size; ) {
        const n = fs.readSync(fd, buf, 0, Math.min(BLOCK, m.size - at), at);
        if (n === 0) throw new SinkError('EIO', `${this.path} is shorter than the image (${at} of ${m.size} bytes)`, at);
        hash.update(buf.subarray(0, n));
        crc = crc32(buf.subarray(0, n), crc);
        at += n;
      }
      const sha = hash.digest('hex');
      if (sha !== m.sha256) throw new SinkError('sha256_mismatch', `${this.path} hashes to ${sha}, BEGIN announced ${m.sha256}`);
      if (crc !== m.crc32) throw new SinkError('crc_mismatch', `${this.path} has CRC-32 0x${crc.toString(16)}, BEGIN announced 0x${m.crc32.toString(16)}`);
      m.committed = true;
      this.persist();
      resolve({ slot: m.slot, size: m.size, crc32: crc, sha256: fromHex(sha) });
    });
  }

  abort(): Promise<void> {
    return new Promise((resolve) => {
      this.closeFd();
      fs.rmSync(this.path, { force: true });
      fs.rmSync(this.metaPath, { force: true });
      this.meta = undefined;
      this.have = new RangeSet();
      resolve();
    });
  }

  status(): Promise<BackendStatus> {
    return Promise.resolve({ state: this.meta ? (this.meta.committed ? 'committed' : 'receiving') : 'empty', slots: [this.slotInfo()] });
  }

  rollback(_slot: number): Promise<void> {
    return Promise.reject(new SinkError('ENOTSUP', `${this.path} is a single-slot file sink: there is no previous image to roll back to`));
  }

  confirm(_slot: number): Promise<string | undefined> {
    if (!this.meta?.committed) return Promise.reject(new SinkError('ESRCH', `${this.path} holds no committed image to confirm`));
    return Promise.resolve(undefined);
  }

  factoryReset(): Promise<void> {
    return this.abort();
  }

  fmap(): Promise<readonly FramRegion[]> {
    return Promise.resolve([{ name: 'image', offset: 0, size: this.capacity }]);
  }

  /** Release the file descriptor (the files stay). */
  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Test helpers for the virtual board: real images from the writer, a memory FRAM chip that survives reboots. */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { VirtualTimeScheduler } from 'rxjs';
import { ValueFlag } from '../../../src/hxe/constants.js';
import { numberToF16 } from '../../../src/hxe/f16.js';
import { writeHxe, type HxeInput } from '../../../src/hxe/writer.js';
import { ANY_SLOT, ImageKind } from '../../../src/protocol/messages-types.js';
import type { BeginRequest, CommitResult, HeldImage } from '../../../src/protocol/image-sink.js';
import { Receiver, type ReceiverOptions } from '../../../src/protocol/engine/receiver.js';
import type { TargetState } from '../../../src/protocol/engine/target-types.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../../src/board/board.js';
import type { BoardEvent } from '../../../src/board/events.js';

export const FRAM_SIZE = 64 * 1024;

/** A v2 image: `codeBytes` of code (a recognisable pattern), name and policy as given. */
export function image(appName: string, over: Partial<HxeInput> & { codeBytes?: number } = {}): Uint8Array {
  const n = over.codeBytes ?? 256;
  const code = new Uint8Array(n).map((_, i) => (i * 7 + appName.length) & 0xff);
  const { codeBytes: _ignored, ...rest } = over;
  return writeHxe({ code, appName, ...rest });
}

/** An image with one persisted value (key) and one plain value. */
export function persistImage(appName: string, key: number, init: number, over: Partial<HxeInput> & { codeBytes?: number } = {}): Uint8Array {
  return image(appName, {
    values: [
      { groupId: 1, valueId: 1, flags: ValueFlag.persist, initRaw: numberToF16(init), name: 'speed', persistKey: key },
      { groupId: 1, valueId: 2, flags: 0, initRaw: numberToF16(7), name: 'plain' },
    ],
    ...over,
  });
}

export function beginFor(bytes: Uint8Array, over: Partial<BeginRequest> = {}): BeginRequest {
  return {
    size: bytes.length,
    crc32: crc32(bytes) >>> 0,
    sha256: new Uint8Array(createHash('sha256').update(bytes).digest()),
    slot: ANY_SLOT,
    imageKind: ImageKind.hxe,
    fresh: false,
    ...over,
  };
}

export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A board on a memory chip; reopen with the same `chip` to power-cycle. */
export function openBoard(chip: Uint8Array, over: Partial<VirtualBoardOptions> = {}, scheduler = new VirtualTimeScheduler()): VirtualBoard {
  return VirtualBoard.open({ fram: { memory: chip }, scheduler, ...over });
}

/**
 * A board loading images the way serveTarget drives it: through the one
 * receive session (Receiver) over the board's image sink, as session 1
 * (or `id`). DATA and END with no session open go to the board itself.
 */
export class Loading {
  readonly rx: Receiver;

  constructor(
    readonly board: VirtualBoard,
    opts: Partial<ReceiverOptions> = {},
  ) {
    this.rx = new Receiver(board, { scheduler: opts.scheduler ?? new VirtualTimeScheduler(), ...opts });
  }

  get state(): TargetState {
    return this.rx.state;
  }

  async begin(req: BeginRequest, id = 1): Promise<{ resumed: boolean; ranges: { start: number; end: number }[] }> {
    const r = await this.rx.begin({ id, chunk: 64, window: 64 }, req);
    return { resumed: r.resumed, ranges: r.session.held.ranges };
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const s = this.rx.session;
    if (s === undefined) return this.board.write(offset, bytes, 0);
    await this.rx.write(s, offset, bytes);
  }

  async end(): Promise<CommitResult> {
    await Promise.resolve();
    const s = this.rx.session;
    return s === undefined ? this.board.end() : this.rx.end(s);
  }

  async abort(): Promise<void> {
    await this.rx.abort();
  }

  held(): Promise<HeldImage | undefined> {
    return this.rx.held();
  }
}

/** Load an image through the receive session in `chunk`-byte pieces, in order. */
export async function load(board: VirtualBoard, bytes: Uint8Array, chunk = 64): Promise<void> {
  const ld = new Loading(board);
  await ld.begin(beginFor(bytes));
  for (let o = 0; o < bytes.length; o += chunk) await ld.write(o, bytes.subarray(o, Math.min(bytes.length, o + chunk)));
  await ld.end();
}

/** Collect every event (uncoalesced) of a board. */
export function record(board: VirtualBoard): BoardEvent[] {
  const out: BoardEvent[] = [];
  board.allEvents$.subscribe((e) => out.push(e));
  return out;
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code';
  }
  return 'resolved';
}

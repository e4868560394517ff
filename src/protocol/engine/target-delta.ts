/**
 * The target's side of delta and compressed transfers (docs/protocol.md 9):
 * SIGS answered from the board's active image, and XDATA turned into the
 * chunks it stands for. Every XDATA is checked whole before any byte is
 * built (chunk-aligned, inside the session's window, operations that fill
 * exactly its chunks, copies inside the active image, codecs the board
 * decodes, no literal or packed operation longer than a chunk);
 * decompression is bounded by the operation's declared length. A refusal of
 * those checks is a typed error (bad_delta, codec_unsupported,
 * no_active_image) and nothing of the frame is written; a packed operation
 * that does not decode (bad_packed) stops the frame there: chunks of it
 * completed before are stored, nothing after. The chunks then go
 * the way of DATA: the same held record, storage and verification at END.
 */
import { HilbridgeError } from '../../errors.js';
import { CodecError, decompressChunk, type CodecId } from '../../codec/index.js';
import { FRAME_OVERHEAD } from '../constants.js';
import { blockSig } from '../delta-hash.js';
import { MAX_SIG_BLOCK, SIG_SIZE, SIGS_GROUP_HEAD, opLength, sigsInfoSize, sigsRanges, type SigGroup } from '../messages-delta.js';
import type { ActiveImageSource } from '../image-sink.js';
import type { BlockSig, Message, SigsMsg, XdataMsg } from '../messages-types.js';

export type DeltaCode = 'bad_delta' | 'bad_packed' | 'codec_unsupported' | 'no_active_image';

/** A refused SIGS or XDATA; `offset` is the image offset of the XDATA. */
export class DeltaError extends HilbridgeError {
  constructor(
    code: DeltaCode,
    message: string,
    readonly offset?: number,
  ) {
    super(code, message);
  }
}

const DELTA_CODES: readonly string[] = ['bad_delta', 'bad_packed', 'codec_unsupported', 'no_active_image'];

/** The delta code of a refusal while building XDATA's chunks (the board's own copy checks included), else undefined. */
export function deltaRefusal(e: unknown): string | undefined {
  if (!(e instanceof HilbridgeError)) return undefined;
  const code: string = String(e.code);
  return DELTA_CODES.includes(code) ? code : undefined;
}

/**
 * SIGS_INFO for `req`: a group of signatures per range asked, in order, as
 * many as the agreed max frame holds (the last group may stop inside its
 * range; ranges after it are not answered). A range that starts at or past
 * the end of the active image gets an empty group.
 */
export async function sigsReply(src: ActiveImageSource, req: SigsMsg, maxFrame: number): Promise<Message> {
  const active = await src.activeImage();
  const none = { kind: 'sigs_info', activeSize: 0, activeSha256: new Uint8Array(32), blockSize: req.blockSize, start: req.start, sigs: [] } as const;
  if (active === undefined) return none;
  const head = { ...none, activeSize: active.size, activeSha256: active.sha256 };
  const b = req.blockSize;
  if (b === 0 || b > MAX_SIG_BLOCK) return head;
  let room = maxFrame - FRAME_OVERHEAD - sigsInfoSize([]);
  const groups: SigGroup[] = [];
  for (const r of sigsRanges(req)) {
    const end = Math.min(r.end, active.size);
    // a group that cannot hold one signature would read as "nothing there": stop, the host asks again (the first
    // group's head is part of every SIGS_INFO, so it is there even when the frame holds no signature)
    if (groups.length > 0 && room < SIGS_GROUP_HEAD + (r.start < end ? SIG_SIZE : 0)) break;
    room -= SIGS_GROUP_HEAD;
    const n = r.start >= end ? 0 : Math.max(0, Math.min(Math.floor(room / SIG_SIZE), Math.ceil((end - r.start) / b), 0xffff));
    const sigs: BlockSig[] = [];
    for (let i = 0; i < n; i++) {
      const at = r.start + i * b;
      sigs.push(blockSig(await src.readActive(at, Math.min(b, active.size - at))));
    }
    room -= n * SIG_SIZE;
    groups.push({ start: r.start, sigs });
    if (r.start + n * b < end) break; // the frame is full inside this range
  }
  const [first, ...more] = groups as [SigGroup, ...SigGroup[]];
  return more.length === 0 ? { ...head, sigs: first.sigs } : { ...head, sigs: first.sigs, more };
}

export interface XdataSession {
  readonly size: number;
  readonly chunk: number;
  readonly window: number;
}

/** Check an XDATA against the session and the board before anything is built. Returns the bytes it builds. */
async function checkXdata(src: ActiveImageSource, m: XdataMsg, s: XdataSession): Promise<number> {
  const at = m.offset;
  const fail = (code: DeltaCode, why: string): DeltaError => new DeltaError(code, `XDATA at image offset ${at}: ${why}`, at);
  if (at % s.chunk !== 0 || at >= s.size) throw fail('bad_delta', `the offset is not the start of a chunk of the ${s.size}-byte image (chunk ${s.chunk})`);
  if (m.count > s.window || at + (m.count - 1) * s.chunk >= s.size) throw fail('bad_delta', `${m.count} chunks go beyond the image or the window of ${s.window}`);
  const total = Math.min(m.count * s.chunk, s.size - at);
  let sum = 0;
  let active: { size: number } | undefined;
  for (const op of m.ops) {
    sum += opLength(op);
    if (op.op !== 'copy' && opLength(op) > s.chunk) {
      // one chunk buffer (and, for a packed op, one codec window) is all the board spends on an operation
      throw fail('bad_delta', `a ${op.op} operation of ${opLength(op)} bytes is longer than a chunk (${s.chunk} bytes)`);
    }
    if (op.op === 'copy') {
      active ??= await src.activeImage();
      if (active === undefined) throw fail('no_active_image', 'a copy from the active slot, and this board has no valid active image');
      if (op.src + op.length > active.size) throw fail('bad_delta', `copy of ${op.length} bytes from active offset ${op.src} goes beyond the ${active.size}-byte active image`);
    } else if (op.op === 'packed' && !src.codecs.some((c) => c.id === op.codec)) {
      throw fail('codec_unsupported', `codec ${op.codec} is not one this board decodes (${src.codecs.map((c) => c.id).join(', ') || 'none'})`);
    }
    if (sum > total) break;
  }
  if (sum !== total) throw fail('bad_delta', `its operations build ${sum > total ? 'more than' : sum} bytes; its ${m.count} chunk(s) are ${total} bytes`);
  return total;
}

/**
 * The chunks an XDATA builds, in order, each exactly one chunk of the
 * session (the last may be short at the image's end). Memory: one chunk, one
 * decompressed operation (at most one chunk: checkXdata) and the codec's window.
 */
export async function* xdataChunks(src: ActiveImageSource, m: XdataMsg, s: XdataSession): AsyncGenerator<{ offset: number; bytes: Uint8Array }> {
  const total = await checkXdata(src, m, s);
  let offset = m.offset;
  let buf = new Uint8Array(Math.min(s.chunk, total));
  let fill = 0;
  const put = function* (bytes: Uint8Array): Generator<{ offset: number; bytes: Uint8Array }> {
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(buf.length - fill, bytes.length - i);
      buf.set(bytes.subarray(i, i + n), fill);
      fill += n;
      i += n;
      if (fill === buf.length) {
        yield { offset, bytes: buf };
        offset += buf.length;
        buf = new Uint8Array(Math.min(s.chunk, m.offset + total - offset));
        fill = 0;
      }
    }
  };
  for (const [k, op] of m.ops.entries()) {
    if (op.op === 'literal') yield* put(op.bytes);
    else if (op.op === 'packed') yield* put(unpack(op, offset + fill, k));
    else {
      for (let done = 0; done < op.length; ) {
        const n = Math.min(op.length - done, Math.max(1, buf.length - fill));
        yield* put(await src.readActive(op.src + done, n));
        done += n;
      }
    }
  }
}

function unpack(op: { codec: number; rawLength: number; bytes: Uint8Array }, at: number, k: number): Uint8Array {
  try {
    return decompressChunk(op.bytes, op.rawLength, op.codec as CodecId);
  } catch (e) {
    if (e instanceof CodecError) throw new DeltaError('bad_packed', `XDATA operation ${k} (image offset ${at}): ${e.code}: ${e.message}`, at);
    throw e;
  }
}

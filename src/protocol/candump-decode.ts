/**
 * Decode a capture into protocol messages. CAN: group segments by (interface,
 * identifier format, node, direction), reassemble each group with the
 * channel's own CanReassembler. Byte streams (hilbridge's UART capture): split
 * each (interface, TX/RX) stream into frames with the channel's own
 * CobsSplitter; a frame's direction is its fromTarget flag. Then check frames
 * with decodeFrame and payloads with decodeMessage. Problems become notes at the point they happen (CRC
 * errors, lost or out-of-order segments, undecodable payloads); traffic that
 * is not hilbridge's is counted per identifier and summarised.
 *
 * Memory: one reassembly buffer per group or byte stream (at most the largest
 * frame) and one counter per foreign identifier, for at most
 * MAX_CAPTURE_STREAMS groups, MAX_BYTE_STREAMS byte streams and
 * MAX_FOREIGN_IDS identifiers: a hostile capture naming ever new interfaces,
 * nodes or identifiers cannot grow it (found by `npm run fuzz`). When a new
 * stream needs room, the least recently used one is dropped (its partial
 * frame, if any, counts as incomplete); frames on foreign identifiers beyond
 * the cap count in foreignFrames only.
 */
import { canIndexModulus, decodeCanId } from './can-id.js';
import type { CanDirection, CanIdFormat } from './can-id.js';
import { decodeParityFrame } from './can-parity.js';
import type { ParityUnit } from './can-parity.js';
import { CanReassembler } from './can-reassembler.js';
import type { CandumpLine, WireDirection } from './candump.js';
import { CobsSplitter } from './cobs-stream.js';
import { FrameFlag, MAX_FRAME_LIMIT } from './constants.js';
import { decodeFrame, peekFrameSize } from './frame.js';
import { decodeMessage } from './messages.js';
import type { Message } from './messages-types.js';
import { newCounters } from './channel-core.js';
import type { ChannelCounters } from './types.js';

/** Where an entry happened: capture line, time and the stream it belongs to. */
export interface StreamPlace {
  readonly line: number;
  /** Seconds as in the capture, or null when the capture has no timestamps. */
  readonly time: number | null;
  readonly iface: string;
  /** The CAN node id; null on a byte stream (its frames carry none). */
  readonly node: number | null;
  readonly direction: CanDirection;
  /** CAN identifier format; null on a byte stream. */
  readonly idFormat: CanIdFormat | null;
  /** TX or RX as the capture marks it (candump -x, log T/R, byte captures); null when it does not. */
  readonly wire: WireDirection | null;
}

/** Most CAN streams (interface, format, node, direction) decoded at once: 32 MiB of partial frames at worst. */
export const MAX_CAPTURE_STREAMS = 512;
/** Most byte streams (interface, direction) decoded at once (each splitter holds 64 KiB). */
export const MAX_BYTE_STREAMS = 64;
/** Most distinct foreign identifiers counted one by one. */
export const MAX_FOREIGN_IDS = 4096;

/** The value under `key`, moved to the most recently used end (a Map keeps insertion order). */
function use<V>(map: Map<string, V>, key: string): V | undefined {
  const v = map.get(key);
  if (v !== undefined) {
    map.delete(key);
    map.set(key, v);
  }
  return v;
}

export type NoteCode = 'lost_segment' | 'orphan_segment' | 'crc_error' | 'bad_frame' | 'bad_payload' | 'oversize';

export type CaptureEntry =
  | (StreamPlace & { readonly kind: 'message'; readonly session: number; readonly seq: number; readonly msg: Message })
  | (StreamPlace & { readonly kind: 'note'; readonly note: NoteCode; readonly detail: string });

export interface CaptureSummary {
  readonly lines: number;
  readonly canFrames: number;
  /** Lines of byte-stream data (hilbridge's UART capture). */
  readonly byteLines: number;
  readonly messages: number;
  readonly notes: Readonly<Record<NoteCode, number>>;
  /** Frames that are not hilbridge traffic, and the identifiers they used (hex, with counts). */
  readonly foreignFrames: number;
  readonly foreignIds: Readonly<Record<string, number>>;
  /** Segment-parity frames and announcements (docs/protocol.md 5.5): hilbridge traffic that carries no message of its own. */
  readonly parityFrames: number;
  readonly unparsedLines: number;
  /** Frames still incomplete when the capture ended. */
  readonly incomplete: number;
}

interface Group {
  readonly place: Omit<StreamPlace, 'line' | 'time' | 'wire'>;
  readonly counters: ChannelCounters;
  readonly reassembler: CanReassembler;
  /** A frame start (segment 0 with the magic) has been seen in this stream. */
  started: boolean;
  /** Expected size of the frame in progress. */
  expected: number;
}

export class CaptureDecoder {
  private readonly groups = new Map<string, Group>();
  private readonly byteStreams = new Map<string, CobsSplitter>();
  private byteLines = 0;
  private readonly foreignIds = new Map<string, number>();
  private lines = 0;
  private canFrames = 0;
  private messages = 0;
  private foreign = 0;
  private parityFrames = 0;
  private unparsed = 0;
  /** Partial frames of streams dropped to make room for new ones. */
  private dropped = 0;
  private readonly notes: Record<NoteCode, number> = { lost_segment: 0, orphan_segment: 0, crc_error: 0, bad_frame: 0, bad_payload: 0, oversize: 0 };

  /** Feed one capture line; returns the messages and notes it produced (usually none or one). */
  push(l: CandumpLine): CaptureEntry[] {
    this.lines++;
    switch (l.kind) {
      case 'blank':
        return [];
      case 'unparsed':
        this.unparsed++;
        return [];
      case 'remote':
        this.countForeign(l.id, l.id > 0x7ff);
        return [];
      case 'frame':
        this.canFrames++;
        return this.frame(l);
      case 'bytes':
        this.byteLines++;
        return this.bytes(l);
    }
  }

  summary(): CaptureSummary {
    let incomplete = this.dropped;
    for (const g of this.groups.values()) if (g.reassembler.buffered > 0) incomplete++;
    for (const b of this.byteStreams.values()) if (b.buffered > 0) incomplete++;
    return {
      lines: this.lines,
      canFrames: this.canFrames,
      byteLines: this.byteLines,
      messages: this.messages,
      notes: { ...this.notes },
      foreignFrames: this.foreign,
      foreignIds: Object.fromEntries(this.foreignIds),
      parityFrames: this.parityFrames,
      unparsedLines: this.unparsed,
      incomplete,
    };
  }

  private countForeign(id: number, extended: boolean): void {
    this.foreign++;
    const key = id.toString(16).toUpperCase().padStart(extended ? 8 : 3, '0');
    if (this.foreignIds.size >= MAX_FOREIGN_IDS && !this.foreignIds.has(key)) return;
    this.foreignIds.set(key, (this.foreignIds.get(key) ?? 0) + 1);
  }

  private frame(l: Extract<CandumpLine, { kind: 'frame' }>): CaptureEntry[] {
    const f = l.frame;
    const unit = decodeParityFrame(f);
    if (unit !== undefined) return this.parity(l, unit);
    const idFormat: CanIdFormat = f.extended ? 'ext' : 'std';
    const addr = decodeCanId(idFormat, f.id);
    if (addr === undefined) {
      this.countForeign(f.id, f.extended);
      return [];
    }
    const key = `${l.iface}/${idFormat}/${addr.node}/${addr.direction}`;
    let g = use(this.groups, key);
    const startSize = addr.index === 0 ? peekFrameSize(f.data) : undefined;
    const inProgress = g !== undefined && g.reassembler.buffered > 0;
    // Not ours: a first segment without the magic, or a continuation on a stream that never started a frame.
    if ((addr.index === 0 && startSize === undefined && !inProgress) || (addr.index !== 0 && !inProgress && g?.started !== true)) {
      this.countForeign(f.id, f.extended);
      return [];
    }
    if (g === undefined) {
      const counters = newCounters();
      const place = { iface: l.iface, node: addr.node, direction: addr.direction, idFormat };
      this.makeRoom(this.groups, MAX_CAPTURE_STREAMS, (x) => x.reassembler.buffered > 0);
      g = { place, counters, reassembler: new CanReassembler(MAX_FRAME_LIMIT, canIndexModulus(idFormat), counters), started: false, expected: 0 };
      this.groups.set(key, g);
    }
    const at: StreamPlace = { ...g.place, line: l.line, time: l.time ?? null, wire: l.dir ?? null };
    const out: CaptureEntry[] = [];
    const note = this.noter(at, out);
    const before = { seg: g.counters.segmentErrors, mal: g.counters.malformed, over: g.counters.oversize, held: g.reassembler.buffered };
    const bytes = g.reassembler.push(addr.index, f.data);
    if (g.counters.segmentErrors > before.seg) {
      if (before.held > 0 && addr.index === 0) {
        note('lost_segment', `a new frame starts before the frame in progress is complete: ${before.held} of ${g.expected} bytes dropped (a segment was lost or reordered)`);
      } else if (before.held > 0) {
        note('lost_segment', `segment index ${addr.index} does not continue the frame in progress (${before.held} of ${g.expected} bytes): ignored (a lost segment, a duplicate, or another device on this identifier)`);
      } else {
        note('orphan_segment', `segment index ${addr.index} continues no frame: its first segment was lost`);
      }
    }
    if (g.counters.malformed > before.mal) note('bad_frame', `segment 0 does not start with the frame magic 0x4842`);
    if (g.counters.oversize > before.over) note('oversize', `frame of ${startSize ?? '?'} bytes exceeds the largest frame`);
    if (startSize !== undefined && addr.index === 0) {
      g.started = true;
      g.expected = startSize;
    }
    if (bytes !== undefined) out.push(...this.complete(bytes, at, note));
    return out;
  }

  /**
   * A parity segment rebuilds a lost segment of the stream it belongs to, as the receiver does; an announcement
   * carries nothing to decode. Parity that arrives before its stream's first frame cannot help and is only counted.
   */
  private parity(l: Extract<CandumpLine, { kind: 'frame' }>, unit: ParityUnit): CaptureEntry[] {
    this.parityFrames++;
    if (unit.kind === 'announce') return [];
    const g = (['std', 'ext'] as const).map((fmt) => this.groups.get(`${l.iface}/${fmt}/${unit.node}/${unit.direction}`)).find((x) => x !== undefined);
    if (g === undefined) return [];
    const bytes = g.reassembler.pushParity(unit.k, unit.group, l.frame.data);
    if (bytes === undefined) return [];
    const at: StreamPlace = { ...g.place, line: l.line, time: l.time ?? null, wire: l.dir ?? null };
    const out: CaptureEntry[] = [];
    out.push(...this.complete(bytes, at, this.noter(at, out)));
    return out;
  }

  /**
   * Bytes of one direction of a byte stream: COBS runs become frames. The frame's fromTarget flag says its direction;
   * a run that is no frame is placed by the capture's mark (TX is toward the target: captures are the host's).
   */
  private bytes(l: Extract<CandumpLine, { kind: 'bytes' }>): CaptureEntry[] {
    const key = `${l.iface}/${l.dir}`;
    let splitter = use(this.byteStreams, key);
    if (splitter === undefined) {
      this.makeRoom(this.byteStreams, MAX_BYTE_STREAMS, (x) => x.buffered > 0);
      this.byteStreams.set(key, (splitter = new CobsSplitter(MAX_FRAME_LIMIT)));
    }
    const out: CaptureEntry[] = [];
    const guess: StreamPlace = { line: l.line, time: l.time ?? null, iface: l.iface, node: null, idFormat: null, wire: l.dir, direction: l.dir === 'TX' ? 'toTarget' : 'toHost' };
    for (const run of splitter.push(l.data)) {
      if (run.kind !== 'frame') {
        this.noter(guess, out)(run.kind === 'oversize' ? 'oversize' : 'bad_frame', `${run.garbageBytes} bytes between delimiters are ${run.kind === 'oversize' ? 'longer than the largest frame' : 'not valid COBS'}`);
        continue;
      }
      const flags = run.bytes[6];
      const at: StreamPlace = flags === undefined || run.bytes.length < 16 ? guess : { ...guess, direction: (flags & FrameFlag.fromTarget) !== 0 ? 'toHost' : 'toTarget' };
      out.push(...this.complete(run.bytes, at, this.noter(at, out)));
    }
    return out;
  }

  /** Before adding a stream to a full map: drop the least recently used one, counting its partial frame. */
  private makeRoom<V>(map: Map<string, V>, max: number, partial: (v: V) => boolean): void {
    if (map.size < max) return;
    const [oldest, v] = map.entries().next().value as [string, V];
    if (partial(v)) this.dropped++;
    map.delete(oldest);
  }

  /** Counts a note and adds it, placed at `at`, to `out`. */
  private noter(at: StreamPlace, out: CaptureEntry[]): (n: NoteCode, detail: string) => void {
    return (n, detail) => {
      this.notes[n]++;
      out.push({ ...at, kind: 'note', note: n, detail });
    };
  }

  private complete(bytes: Uint8Array, at: StreamPlace, note: (n: NoteCode, d: string) => void): CaptureEntry[] {
    const r = decodeFrame(bytes, MAX_FRAME_LIMIT);
    if (!r.ok) {
      note(r.fault === 'crcErrors' ? 'crc_error' : 'bad_frame', `frame of ${bytes.length} bytes: ${r.detail}`);
      return [];
    }
    const m = decodeMessage(r.frame.type, r.frame.payload);
    if (!m.ok) {
      note('bad_payload', `type 0x${r.frame.type.toString(16).padStart(2, '0')} session ${r.frame.session} seq ${r.frame.seq}: ${m.detail}`);
      return [];
    }
    this.messages++;
    return [{ ...at, kind: 'message', session: r.frame.session, seq: r.frame.seq, msg: m.msg }];
  }
}

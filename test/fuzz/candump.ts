/**
 * Fuzz target `candump`: the capture reader as `hilbridge decode` runs it:
 * boundedLines (src/util/lines.ts, capped at MAX_CANDUMP_LINE) over the
 * capture's bytes in random chunks, parseCandumpLine (src/protocol/candump.ts)
 * on each line, and CaptureDecoder (src/protocol/candump-decode.ts) on the
 * result; every line is also parsed directly, uncapped. Captures are made of
 * real protocol messages written as candump -l, candump screen and hilbridge
 * byte-capture lines, then mutated (characters replaced, inserted, deleted,
 * lines cut, duplicated, swapped, random and very long lines inserted).
 * Invariants: nothing throws; the reader yields every line, none longer than
 * its cap, intact lines unchanged; a written frame parses back to itself;
 * an unmutated capture decodes to exactly its messages with no notes.
 */
import fc from 'fast-check';
import { segmentFrame } from '../../src/protocol/can-segment.js';
import { formatByteLog, formatCandumpLog, MAX_CANDUMP_LINE, parseCandumpLine, type CandumpLine } from '../../src/protocol/candump.js';
import { CaptureDecoder } from '../../src/protocol/candump-decode.js';
import { encodeCobsUnit } from '../../src/protocol/cobs-stream.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { encodeMessage } from '../../src/protocol/messages.js';
import type { CanFrame } from '../../src/transports/types.js';
import { boundedLines } from '../../src/util/lines.js';
import { examples } from '../unit/protocol/messages-examples.js';
import { heldBytes, invariant, type FuzzTarget } from './harness.js';
import { chunk, chunkSizes, equalBytes } from './mutate.js';

type Style = 'log' | 'screen' | 'bytes';

interface CaptureSpec {
  readonly picks: number[];
  readonly style: Style;
  readonly fd: boolean;
  readonly ext: boolean;
  readonly node: number;
}

type LineOp =
  | { readonly op: 'char'; readonly line: number; readonly pos: number; readonly text: string; readonly del: number }
  | { readonly op: 'cut' | 'dup' | 'swap' | 'drop'; readonly line: number; readonly pos: number }
  | { readonly op: 'random'; readonly line: number; readonly text: string }
  | { readonly op: 'long'; readonly line: number; readonly token: string; readonly times: number };

const lineOp: fc.Arbitrary<LineOp> = fc.oneof(
  fc.record({ op: fc.constant('char' as const), line: fc.nat(), pos: fc.nat(), text: fc.string({ maxLength: 4 }), del: fc.nat(4) }),
  fc.record({ op: fc.constantFrom('cut' as const, 'dup' as const, 'swap' as const, 'drop' as const), line: fc.nat(), pos: fc.nat() }),
  fc.record({ op: fc.constant('random' as const), line: fc.nat(), text: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 })) }),
  fc.record({
    op: fc.constant('long' as const),
    line: fc.nat(),
    token: fc.constantFrom('AB', ' ', '(1.0) ', 'vcan0 ', '4A0#', '##', '[8] ', '00 ', 'x', 'é'),
    times: fc.oneof(fc.integer({ min: 500, max: 2000 }), fc.integer({ min: 2000, max: 120_000 })),
  }),
);

type CandumpCase = { readonly spec: CaptureSpec; readonly ops: readonly LineOp[]; readonly sizes: readonly number[]; readonly crlf: boolean };

/**
 * A flood: `lines` lines, each opening a new stream (another interface, node or
 * identifier) with a frame start announcing up to 64 KiB that never completes,
 * or a byte-stream chunk, or a foreign identifier. The decoder must stay within
 * a fixed memory bound however many streams a capture names.
 */
type FloodCase = { readonly flood: 'can' | 'bytes' | 'foreign'; readonly lines: number; readonly length: number };

/**
 * Memory (heap + array buffers) one flood case may leave held by the decoder:
 * above the capped worst case (512 CAN streams x 64 KiB = 32 MiB), below what
 * 1000 uncapped streams would hold (64 MiB).
 */
export const FLOOD_MAX_BYTES = 40 * 1048576;

const captureArb: fc.Arbitrary<CandumpCase> = fc.record({
  spec: fc.record({
    picks: fc.array(fc.nat(examples.length - 1), { minLength: 1, maxLength: 3 }),
    style: fc.constantFrom('log' as const, 'screen' as const, 'bytes' as const),
    fd: fc.boolean(),
    ext: fc.boolean(),
    node: fc.integer({ min: 1, max: 31 }),
  }),
  ops: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: fc.array(lineOp, { minLength: 1, maxLength: 5 }) }),
  sizes: chunkSizes,
  crlf: fc.boolean(),
});

const floodArb: fc.Arbitrary<FloodCase> = fc.record({
  flood: fc.constantFrom('can' as const, 'bytes' as const, 'foreign' as const),
  lines: fc.integer({ min: 1, max: 1000 }),
  length: fc.oneof(fc.constant(0xffff), fc.nat(0xffff)),
});

const arbitrary: fc.Arbitrary<CandumpCase | FloodCase> = fc.oneof({ weight: 50, arbitrary: captureArb }, { weight: 1, arbitrary: floodArb });

function floodLine(c: FloodCase, i: number): string {
  const start = `48420106${c.length.toString(16).toUpperCase().padStart(4, '0')}0000`;
  switch (c.flood) {
    case 'can': {
      const id = ((i % 31) + 1) << 5; // node 1..31, index 0, 31 streams per interface
      return `(1.000000) can${Math.floor(i / 31)} ${id.toString(16).toUpperCase().padStart(3, '0')}#${start}`;
    }
    case 'bytes':
      return `(1.000000) tty${i} TX 0102`;
    case 'foreign':
      return `(1.000000) vcan0 ${(0x1c000000 + i).toString(16).toUpperCase()}#00`;
  }
}

function flood(c: FloodCase): string | undefined {
  const before = heldBytes();
  const decoder = new CaptureDecoder();
  for (let i = 0; i < c.lines; i++) decoder.push(parseCandumpLine(floodLine(c, i), i + 1));
  const held = heldBytes() - before;
  invariant(held <= FLOOD_MAX_BYTES, `a capture naming ${c.lines} streams (${c.flood}) left the decoder holding ${(held / 1048576).toFixed(1)} MiB, above ${FLOOD_MAX_BYTES / 1048576} MiB`);
  return decoder.summary().incomplete > 0 ? 'incomplete' : undefined;
}

function screenLine(time: number, f: CanFrame): string {
  const id = f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0');
  const len = f.fd && f.data.length <= 8 ? String(f.data.length).padStart(2, '0') : String(f.data.length);
  return `(${time.toFixed(6)})  vcan0  ${id}   [${len}]  ${[...f.data].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ')}`;
}

/** The capture's lines and the CAN frames written on them (none for byte captures). */
function capture(spec: CaptureSpec): { lines: string[]; frames: (CanFrame | undefined)[]; messages: number } {
  const lines: string[] = [];
  const frames: (CanFrame | undefined)[] = [];
  let t = 1700000000;
  for (const i of spec.picks) {
    const e = examples[i]!;
    const { type, payload } = encodeMessage(e.msg);
    const bytes = encodeFrame({ type, flags: e.fromTarget ? 1 : 0, session: e.session, seq: e.seq, payload });
    if (spec.style === 'bytes') {
      const unit = encodeCobsUnit(bytes, true);
      for (let at = 0; at < unit.length; at += 37) {
        lines.push(formatByteLog((t += 0.001), '/dev/ttyUSB0', e.fromTarget ? 'RX' : 'TX', unit.subarray(at, at + 37)));
        frames.push(undefined);
      }
      continue;
    }
    const direction = e.fromTarget ? 'toHost' : 'toTarget';
    for (const f of segmentFrame(bytes, { fd: spec.fd, idFormat: spec.ext ? 'ext' : 'std', node: spec.node, direction })) {
      t += 0.0001;
      lines.push(spec.style === 'log' ? formatCandumpLog(t, 'vcan0', f, e.fromTarget ? 'RX' : 'TX') : screenLine(t, f));
      frames.push(f);
    }
  }
  return { lines, frames, messages: spec.picks.length };
}

function mutate(lines: string[], ops: readonly LineOp[]): string[] {
  const s = lines.slice();
  for (const o of ops) {
    const i = o.line % (s.length + 1);
    const line = s[i] ?? '';
    switch (o.op) {
      case 'char': {
        const p = o.pos % (line.length + 1);
        s[i] = line.slice(0, p) + o.text + line.slice(p + o.del);
        break;
      }
      case 'cut':
        s[i] = line.slice(0, o.pos % (line.length + 1));
        break;
      case 'dup':
        s.splice(i, 0, line);
        break;
      case 'swap':
        if (i + 1 < s.length) [s[i], s[i + 1]] = [s[i + 1]!, line];
        break;
      case 'drop':
        s.splice(i, 1);
        break;
      case 'random':
        s.splice(i, 0, o.text);
        break;
      case 'long':
        s.splice(i, 0, o.token.repeat(o.times));
        break;
    }
  }
  return s;
}

/** The pieces as the async stream boundedLines reads (a file or stdin). */
function source(pieces: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const p of pieces) {
      await Promise.resolve();
      yield p;
    }
  })();
}

function sameFrame(l: CandumpLine, f: CanFrame): boolean {
  return l.kind === 'frame' && l.frame.id === f.id && l.frame.extended === f.extended && l.frame.fd === f.fd && equalBytes(l.frame.data, f.data);
}

export const candumpTarget: FuzzTarget<CandumpCase | FloodCase> = {
  name: 'candump',
  what: 'boundedLines + parseCandumpLine + CaptureDecoder on mutated log/screen/byte captures with random and very long lines',
  neverThrows: true,
  arbitrary,
  // A flood is a whole capture of up to 1000 lines, each allocating a 64 KiB frame buffer, plus four forced GCs.
  boundScale: (input) => ('flood' in input ? 4 : 1),
  async run(input) {
    if ('flood' in input) return flood(input);
    const c = input;
    const cap = capture(c.spec);
    const mutated = c.ops.length > 0;
    const lines = mutate(cap.lines, c.ops);
    if (!mutated) lines.forEach((l, i) => cap.frames[i] === undefined || invariant(sameFrame(parseCandumpLine(l, i + 1), cap.frames[i]), `line ${i + 1} does not parse back to the frame written: ${l}`));
    const text = lines.join(c.crlf ? '\r\n' : '\n') + '\n';
    for (const l of lines) parseCandumpLine(l, 1); // uncapped, for time
    const utf8 = Buffer.from(text, 'utf8');
    const expected = utf8.toString('utf8').split('\n').slice(0, -1);
    const decoder = new CaptureDecoder();
    let n = 0;
    let tooLong = 0;
    let unparsed = 0;
    // A big capture comes in 64 KiB reads, as from a file; small ones in the generated chunking.
    const pieces = utf8.length > 16384 ? chunk(utf8, [65536]) : chunk(utf8, c.sizes);
    for await (const line of boundedLines(source(pieces), MAX_CANDUMP_LINE)) {
      const want = expected[n++] ?? '';
      invariant(line.number === n, `line numbered ${line.number}, expected ${n}`);
      invariant(Buffer.byteLength(line.text) <= MAX_CANDUMP_LINE + 3, `line ${n} of ${Buffer.byteLength(line.text)} bytes passed the ${MAX_CANDUMP_LINE}-byte cap`);
      if (line.tooLong) {
        tooLong++;
        invariant(Buffer.byteLength(want) > MAX_CANDUMP_LINE, `line ${n} of ${Buffer.byteLength(want)} bytes marked too long`);
        decoder.push({ kind: 'unparsed', line: n, text: line.text });
        continue;
      }
      // the reader drops a trailing CR, and its UTF-8 decoder a leading byte-order mark (a capture saved with one)
      invariant(line.text === want.replace(/\r$/, '').replace(/^\uFEFF/, ''), `line ${n} read back changed`);
      const parsed = parseCandumpLine(line.text, line.number);
      if (parsed.kind === 'unparsed') unparsed++;
      decoder.push(parsed);
    }
    invariant(n === expected.length, `the reader yielded ${n} of ${expected.length} lines`);
    const s = decoder.summary();
    const notes = Object.entries(s.notes).filter(([, k]) => k > 0);
    if (!mutated) invariant(s.messages === cap.messages && notes.length === 0 && unparsed === 0, `an unmutated capture of ${cap.messages} messages decoded as ${s.messages} with notes ${JSON.stringify(s.notes)}`);
    if (notes.length > 0) return notes[0]![0];
    if (tooLong > 0) return 'too_long_line';
    if (unparsed > 0) return 'unparsed_line';
    return s.messages === cap.messages ? undefined : 'messages_lost';
  },
};

/**
 * CaptureDecoder memory on hostile captures (found by `npm run fuzz`): a
 * capture naming ever new interfaces, nodes or identifiers used to keep one
 * 64 KiB buffer per stream and one counter per identifier for ever (5000
 * byte-stream interfaces: 330 MB). Streams are now capped, least recently
 * used first out, and foreign identifiers counted one by one up to a cap.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CaptureDecoder, MAX_BYTE_STREAMS, MAX_CAPTURE_STREAMS, MAX_FOREIGN_IDS } from '../../../src/protocol/candump-decode.js';
import { formatCandumpLog, parseCandumpLine } from '../../../src/protocol/candump.js';
import { segmentFrame } from '../../../src/protocol/can-segment.js';
import { encodeFrame } from '../../../src/protocol/frame.js';
import { encodeMessage } from '../../../src/protocol/messages.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** Memory still held after a full GC (dropped buffers are gone, kept ones are not). */
const held = (): number => {
  gc();
  gc(); // a second pass frees what the first one's finalisation released
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

/** Segment 0 of a frame announcing 65535 payload bytes on node `node` (11-bit), never continued. */
const start = (iface: string, node: number): string => `(1.000000) ${iface} ${(node << 5).toString(16).padStart(3, '0')}#48420106FFFF0000`;

describe('CaptureDecoder bounds', () => {
  it('5000 byte streams and 5000 partial CAN frames on new interfaces stay within a fixed memory bound', () => {
    const d = new CaptureDecoder();
    const before = held();
    for (let i = 0; i < 5000; i++) {
      d.push(parseCandumpLine(`(1.000000) tty${i} TX 0102`, i + 1));
      d.push(parseCandumpLine(start(`can${i}`, 1), i + 1));
    }
    const mib = (held() - before) / 1048576;
    expect(mib).toBeLessThan(((MAX_CAPTURE_STREAMS + MAX_BYTE_STREAMS) * 66_000 + 16 * 1048576) / 1048576); // capped streams x 64 KiB, plus slack
    const s = d.summary();
    expect(s.canFrames).toBe(5000);
    expect(s.byteLines).toBe(5000);
    expect(s.incomplete).toBe(10000); // every partial frame still counted, dropped or held
  });

  it('counts foreign identifiers one by one up to the cap, and every foreign frame in foreignFrames', () => {
    const d = new CaptureDecoder();
    const n = MAX_FOREIGN_IDS + 1000;
    for (let i = 0; i < n; i++) d.push(parseCandumpLine(`(1.000000) vcan0 ${(0x1c000000 + i).toString(16).toUpperCase()}#00`, i + 1));
    const s = d.summary();
    expect(s.foreignFrames).toBe(n);
    expect(Object.keys(s.foreignIds)).toHaveLength(MAX_FOREIGN_IDS);
  });

  it('drops only the least recently used stream: a frame in progress completes while the other streams fill the cap', () => {
    const { type, payload } = encodeMessage({ kind: 'data', offset: 0, bytes: new Uint8Array(40).fill(7) });
    const segs = segmentFrame(encodeFrame({ type, flags: 0, session: 1, seq: 1, payload }), { fd: false, idFormat: 'std', node: 3, direction: 'toTarget' });
    const run = (crowd: number): { kinds: string[]; incomplete: number } => {
      const d = new CaptureDecoder();
      let line = 0;
      const kinds: string[] = [];
      for (const [i, f] of segs.entries()) {
        kinds.push(...d.push(parseCandumpLine(formatCandumpLog(1, 'vcan0', f), ++line)).map((e) => e.kind));
        if (i === 1) for (let k = 0; k < crowd; k++) d.push(parseCandumpLine(start(`x${k}`, 2), ++line));
      }
      return { kinds, incomplete: d.summary().incomplete };
    };
    // the cap minus our stream: nothing is dropped, the frame completes, the crowd's frames stay incomplete
    expect(run(MAX_CAPTURE_STREAMS - 1)).toEqual({ kinds: ['message'], incomplete: MAX_CAPTURE_STREAMS - 1 });
    // one more: our idle stream is the least recently used and is dropped, its partial frame counted
    const over = run(MAX_CAPTURE_STREAMS);
    expect(over.kinds).toEqual([]);
    expect(over.incomplete).toBe(MAX_CAPTURE_STREAMS + 1);
  });
});

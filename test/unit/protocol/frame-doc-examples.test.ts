/**
 * The worked examples in docs/protocol.md sections 1-3, regenerated from the
 * encoders: this test fails if the document and the code disagree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canReceiveFilter } from '../../../src/protocol/can-id.js';
import type { CanIdFormat } from '../../../src/protocol/can-id.js';
import { segmentFrame } from '../../../src/protocol/can-segment.js';
import { encodeCobsUnit } from '../../../src/protocol/cobs-stream.js';
import { encodeFrame } from '../../../src/protocol/frame.js';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0').toUpperCase()).join(' ');

const CONTROL = encodeFrame({ type: 0x01, flags: 0x01, session: 0, seq: 7, payload: new Uint8Array(0) });
const EXAMPLE = encodeFrame({ type: 0x02, flags: 0, session: 0x1234, seq: 1, payload: Uint8Array.of(0, 0, 0x10, 0) });

function candump(format: CanIdFormat, fd: boolean): string {
  return segmentFrame(EXAMPLE, { fd, idFormat: format, node: 5, direction: 'toTarget' })
    .map((c) => {
      const id = c.id.toString(16).toUpperCase().padStart(format === 'std' ? 3 : 8, '0');
      const len = fd ? String(c.data.length).padStart(2, '0') : String(c.data.length);
      return `vcan0  ${id}  [${len}]  ${hex(c.data)}`;
    })
    .join('\n');
}

describe('docs/protocol.md worked examples', () => {
  it('section 1.4: the frames', () => {
    expect(doc).toContain('48 42 | 01 | 01 | 00 00 | 01 | 00 | 00 00 | 00 07 | 6E 1F 9E 34');
    expect(hex(CONTROL)).toBe('48 42 01 01 00 00 01 00 00 00 00 07 6E 1F 9E 34');
    expect(doc).toContain('```\n' + hex(EXAMPLE) + '\n```');
  });

  it('section 2.2: the COBS units', () => {
    const first = doc.match(/```\n(00 \| 05 48[^\n]*)\n```/)?.[1]?.replace(/ \| /g, ' ');
    expect(first).toBe(hex(encodeCobsUnit(EXAMPLE, true)));
    expect(doc).toContain('```\n' + hex(encodeCobsUnit(CONTROL)) + '\n```');
  });

  it('section 3.4: the CAN frames and the filter', () => {
    for (const [format, fd] of [['std', false], ['std', true], ['ext', false]] as const) {
      expect(doc).toContain('```\n' + candump(format, fd) + '\n```');
    }
    const f = canReceiveFilter('std', 5, 'toHost');
    expect(doc).toContain(`(0x${f.id.toString(16).toUpperCase().padStart(3, '0')}, 0x${f.mask.toString(16).toUpperCase()})`);
  });
});

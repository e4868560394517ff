/**
 * The worked example of docs/protocol.md 9.6, generated from the encoders
 * (print it with `npx tsx test/unit/protocol/messages-delta-doc.test.ts --print`)
 * and checked against the document.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeFrame } from '../../../src/protocol/frame.js';
import { encodeMessage } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages.js';
import { WireCode } from '../../../src/protocol/messages-codes.js';
import { blockSig } from '../../../src/protocol/delta-hash.js';
import { CodecId, compressChunk } from '../../../src/codec/index.js';

const active = Uint8Array.from({ length: 64 }, (_, i) => i);
const packed = compressChunk(new Uint8Array(32).fill(0xff), CodecId.Hlz1)!;
const sha = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + (i % 16));

export const deltaExamples: readonly { label: string; fromTarget: boolean; session: number; seq: number; msg: Message }[] = [
  { label: 'SIGS (blocks of 32 bytes, the whole active image)', fromTarget: false, session: 0, seq: 2, msg: { kind: 'sigs', start: 0, end: 0xffffffff, blockSize: 32 } },
  {
    label: 'SIGS_INFO (a 64-byte active image, 2 signatures)', fromTarget: true, session: 0, seq: 2,
    msg: { kind: 'sigs_info', activeSize: 64, activeSha256: sha, blockSize: 32, start: 0, sigs: [blockSig(active.subarray(0, 32)), blockSig(active.subarray(32, 64))] },
  },
  {
    label: 'XDATA (chunks 0 and 1 of 64 bytes: 32 copied from active offset 32, 4 literal, 60 copied from 0, 32 of 0xFF compressed)', fromTarget: false, session: 0x1234, seq: 4,
    msg: { kind: 'xdata', offset: 0, count: 2, ops: [{ op: 'copy', src: 32, length: 32 }, { op: 'literal', bytes: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) }, { op: 'copy', src: 0, length: 60 }, { op: 'packed', codec: 1, rawLength: 32, bytes: packed }] },
  },
  { label: 'NACK bad_delta (a copy beyond the active image)', fromTarget: true, session: 0x1234, seq: 5, msg: { kind: 'nack', code: WireCode.bad_delta, offset: 0 } },
];

export function exampleLines(): string[] {
  return deltaExamples.map((e) => {
    const { type, payload } = encodeMessage(e.msg);
    const f = Buffer.from(encodeFrame({ type, flags: e.fromTarget ? 1 : 0, session: e.session, seq: e.seq, payload }));
    const hex = f.toString('hex');
    const head = `${hex.slice(0, 4)} ${hex.slice(4, 6)} ${hex.slice(6, 8)} ${hex.slice(8, 12)} ${hex.slice(12, 14)} ${hex.slice(14, 16)} ${hex.slice(16, 20)} ${hex.slice(20, 24)}`;
    return `${e.fromTarget ? 'T->H' : 'H->T'} ${e.label}\n    ${head} | ${hex.slice(24, -8)} | ${hex.slice(-8)}`;
  });
}

if (process.argv.includes('--print')) process.stdout.write(exampleLines().join('\n') + '\n');
else {
  const { describe, expect, it } = await import('vitest');
  describe('docs/protocol.md 9.6', () => {
    it('holds the frames the encoders make', () => {
      const doc = readFileSync(fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url)), 'utf8');
      for (const l of exampleLines()) expect(doc).toContain(l);
    });
  });
}

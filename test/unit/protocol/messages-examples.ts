import { encodeFrame } from '../../../src/protocol/frame.js';
import { encodeMessage } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages.js';
import { WireCode } from '../../../src/protocol/messages-codes.js';

/**
 * The worked hex examples of docs/protocol.md section 4.5, generated from the
 * encoders (print them with `npx tsx test/unit/protocol/messages-examples.ts`).
 */
const sha = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + (i % 16));
const info: Message = {
  kind: 'info', version: 1, nodeId: 5, maxChunk: 4096, window: 64, maxFrame: 4116, capabilities: 0x1f, framSize: 262144,
  identity: 'hsx-demo', slots: [{ slot: 0, state: 'active' }],
};

export const examples: readonly { label: string; fromTarget: boolean; session: number; seq: number; msg: Message }[] = [
  { label: 'HELLO', fromTarget: false, session: 0, seq: 1, msg: { kind: 'hello', version: 1, maxChunk: 4096, window: 16, maxFrame: 4116 } },
  { label: 'INFO', fromTarget: true, session: 0, seq: 1, msg: info },
  { label: 'QUERY', fromTarget: false, session: 0, seq: 2, msg: { kind: 'query', size: 10000, sha256: sha } },
  { label: 'SESSION (nothing held)', fromTarget: true, session: 0, seq: 2, msg: { kind: 'session', state: 0, truncated: false, size: 0, sha256: new Uint8Array(32), ranges: [] } },
  {
    label: 'BEGIN', fromTarget: false, session: 0x1234, seq: 3,
    msg: { kind: 'begin', size: 10000, crc32: 0x1c291ca3, sha256: sha, slot: 0, imageKind: 1, chunk: 4096, window: 16, ackEvery: 4, ackDelayMs: 20, fresh: false },
  },
  { label: 'DATA (8 bytes at offset 0, shortened for the example)', fromTarget: false, session: 0x1234, seq: 4, msg: { kind: 'data', offset: 0, bytes: Uint8Array.of(0x48, 0x53, 0x58, 0x45, 0, 2, 0, 0) } },
  { label: 'SESSION (fresh)', fromTarget: true, session: 0x1234, seq: 3, msg: { kind: 'session', state: 0, truncated: false, size: 10000, sha256: sha, ranges: [] } },
  { label: 'ACK (chunk 1 missing, chunk 2 held)', fromTarget: true, session: 0x1234, seq: 9, msg: { kind: 'ack', cumulative: 4096, bitmap: Uint8Array.of(0x80) } },
  { label: 'END', fromTarget: false, session: 0x1234, seq: 7, msg: { kind: 'end' } },
  { label: 'RESULT EAGAIN', fromTarget: true, session: 0x1234, seq: 7, msg: { kind: 'result', code: WireCode.EAGAIN, offset: 4096, detail: '' } },
  { label: 'DATA (chunk 1 repeated, 8 bytes at offset 4096, shortened)', fromTarget: false, session: 0x1234, seq: 8, msg: { kind: 'data', offset: 4096, bytes: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) } },
  {
    label: 'DONE', fromTarget: true, session: 0x1234, seq: 8,
    msg: { kind: 'done', slot: 0, size: 10000, crc32: 0x1c291ca3, sha256: sha, counters: { framesReceived: 7, duplicates: 0, outOfWindow: 0, crcErrors: 0, malformed: 0 } },
  },
  { label: 'NACK ESRCH', fromTarget: true, session: 0x1234, seq: 4, msg: { kind: 'nack', code: WireCode.ESRCH, offset: 0 } },
  { label: 'INFO (UART target, line rates 115200..921600)', fromTarget: true, session: 0, seq: 1, msg: { ...info, lineRates: [115200, 230400, 460800, 921600] } },
  { label: 'SET_BAUD 921600, confirm within 1000 ms', fromTarget: false, session: 0, seq: 2, msg: { kind: 'set_baud', rate: 921600, confirmMs: 1000 } },
  { label: 'RESULT OK (sent at 115200; then the target switches)', fromTarget: true, session: 0, seq: 2, msg: { kind: 'result', code: WireCode.OK, offset: undefined, detail: '' } },
  { label: 'STATUS', fromTarget: false, session: 0, seq: 4, msg: { kind: 'status' } },
  {
    label: 'STATUS_INFO (idle board, nothing installed)', fromTarget: true, session: 0, seq: 4,
    msg: { kind: 'status_info', state: 'IDLE', session: 0, size: 0, held: 0, slots: [{ slot: 0, state: 'empty' }, { slot: 1, state: 'empty' }], bootCount: 0, lastError: null },
  },
  { label: 'HELLO (at 921600: the proof)', fromTarget: false, session: 0, seq: 3, msg: { kind: 'hello', version: 1, maxChunk: 4096, window: 16, maxFrame: 4116 } },
];

/** The hex of an example frame, grouped as the document shows it. */
export function exampleHex(e: (typeof examples)[number]): string {
  const { type, payload } = encodeMessage(e.msg);
  const bytes = encodeFrame({ type, flags: e.fromTarget ? 1 : 0, session: e.session, seq: e.seq, payload });
  const hex = Buffer.from(bytes).toString('hex');
  const header = hex.slice(0, 24);
  const body = hex.slice(24, hex.length - 8);
  const crc = hex.slice(-8);
  return `${header.slice(0, 4)} ${header.slice(4, 6)} ${header.slice(6, 8)} ${header.slice(8, 12)} ${header.slice(12, 14)} ${header.slice(14, 16)} ${header.slice(16, 20)} ${header.slice(20, 24)} | ${body} | ${crc}`;
}


if (process.argv[1]?.endsWith('messages-examples.ts')) {
  for (const e of examples) process.stdout.write(`${e.fromTarget ? 'T->H' : 'H->T'} ${e.label}\n    ${exampleHex(e)}\n`);
}

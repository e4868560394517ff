/**
 * Codec 2 (deflate) end to end: the host packs each chunk with the smaller
 * of hlz1 and deflate, the virtual board (which advertises both) decodes
 * them with its strict inflater, and the committed image is bit-exact.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CodecId, decompressChunk } from '../../src/codec/index.js';
import { decodeMessage } from '../../src/protocol/messages.js';
import { MessageType } from '../../src/protocol/messages-types.js';
import { tapChannel } from '../unit/protocol/engine/tap-channel.js';
import { BoardRig, resultOf } from './board-rig.js';
import { firmwareImage } from './delta-images.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('deflate chunks to the virtual board', () => {
  it('an image whose chunks go as deflate and as hlz1 commits bit-exact', async () => {
    rig = new BoardRig({ framSize: 128 * 1024, board: { delta: false } });
    const image = firmwareImage(48 * 1024, 5);
    const packed = new Map<number, number>();
    const host = tapChannel(rig.host, {
      send: (f) => {
        if (f.type === MessageType.XDATA) {
          const d = decodeMessage(f.type, f.payload);
          if (d.ok && d.msg.kind === 'xdata') {
            for (const op of d.msg.ops) {
              if (op.op !== 'packed') continue;
              packed.set(op.codec, (packed.get(op.codec) ?? 0) + 1);
              expect(decompressChunk(op.bytes, op.rawLength, op.codec as CodecId)).toHaveLength(op.rawLength);
            }
          }
        }
        return rig!.host.send(f);
      },
    });
    const res = resultOf(await rig.provisionCoded(image, {}, host));
    expect(rig.activeSha()).toBe(sha(image));
    expect(packed.get(CodecId.Deflate) ?? 0).toBeGreaterThan(0);
    expect(packed.get(CodecId.Hlz1) ?? 0).toBeGreaterThan(0);
    expect(res.savings!.codec).toBe('hlz1+deflate');
    expect(res.savings!.packedBytes).toBeLessThan(res.savings!.compressedBytes / 1.3);
  });
});

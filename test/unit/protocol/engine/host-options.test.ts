import { describe, expect, it } from 'vitest';
import { addSavings, transferChunk } from '../../../../src/protocol/engine/host-options.js';
import type { TransferSavings } from '../../../../src/protocol/engine/host-options.js';
import type { PeerInfo } from '../../../../src/protocol/engine/host-connect.js';

const part = (codec: string, n: number): TransferSavings => ({ reusedBytes: n, compressedBytes: 2 * n, packedBytes: n, wireBytes: 3 * n, sigBytes: 4, codec, sigRequests: 1, sigMs: 5 });

describe('the savings of a transfer in segments', () => {
  it('add up field by field; the codec names stay in id order whichever segment used which', () => {
    expect(addSavings(part('deflate', 10), part('hlz1', 1))).toEqual({ reusedBytes: 11, compressedBytes: 22, packedBytes: 11, wireBytes: 33, sigBytes: 8, codec: 'hlz1+deflate', sigRequests: 2, sigMs: 10 });
    expect(addSavings(part('deflate', 1), part('hlz1+deflate', 1))!.codec).toBe('hlz1+deflate');
    expect(addSavings(part('none', 1), part('none', 1))!.codec).toBe('none');
    expect(addSavings(undefined, part('hlz1', 1))).toEqual(part('hlz1', 1));
    expect(addSavings({ ...part('hlz1', 1), repaired: true }, part('hlz1', 1))!.repaired).toBe(true);
  });

  it('the chunk is what the caller asks, at most what the peer accepts', () => {
    const peer = { maxChunk: 1024 } as PeerInfo;
    expect(transferChunk({ peer })).toBe(1024);
    expect(transferChunk({ peer, chunk: 256 })).toBe(256);
    expect(transferChunk({ peer, chunk: 4096 })).toBe(1024);
  });
});

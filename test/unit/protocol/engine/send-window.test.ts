import { describe, expect, it } from 'vitest';
import { DUP_THRESHOLD, SendWindow } from '../../../../src/protocol/engine/send-window.js';
import { buildAck } from '../../../../src/protocol/engine/ack-map.js';
import { RangeSet } from '../../../../src/util/ranges.js';

function ackOf(held: number[], chunk: number, size: number, window = 64) {
  const set = new RangeSet();
  for (const i of held) set.add(i * chunk, Math.min(size, (i + 1) * chunk));
  return buildAck(set, chunk, size, window);
}

function sendAll(w: SendWindow, now: number): number[] {
  const out: number[] = [];
  for (let t = w.take(); t !== undefined; t = w.take()) {
    w.sent(t.index, now);
    out.push(t.index);
  }
  return out;
}

describe('SendWindow', () => {
  it('sends no more than the window beyond the lowest unacknowledged chunk', () => {
    const w = new SendWindow(10 * 100 + 1, 100, 4);
    expect(w.total).toBe(11);
    expect(sendAll(w, 0)).toEqual([0, 1, 2, 3]);
    expect(w.canSend).toBe(false);
    w.ack(ackOf([0, 1], 100, 1001), 10);
    expect(sendAll(w, 10)).toEqual([4, 5]);
  });

  it('a wire budget stops new chunks inside the window once that many wire bytes are in flight; an ACK or a loss frees them', () => {
    const w = new SendWindow(64 * 100, 100, 64, 250);
    const go = (now: number, wire: number): number[] => {
      const out: number[] = [];
      for (let t = w.take(); t !== undefined; t = w.take()) {
        w.sent(t.index, now, true, wire);
        out.push(t.index);
      }
      return out;
    };
    expect(go(0, 100)).toEqual([0, 1, 2]); // 300 >= 250 after the third: the window (64) is far from full
    expect(w.wireInFlight).toBe(300);
    expect(w.canSend).toBe(false);
    w.ack(ackOf([0], 100, 6400), 5);
    expect(go(5, 10)).toEqual([3, 4, 5, 6, 7]); // 200 + 5 × 10 = 250: cheap frames (runs of copies, compressed chunks): more of them
    expect(w.expire(1000, 100)).toBe(7); // taken for lost: out of the budget, repeats go regardless
    expect(w.wireInFlight).toBe(0);
    expect(w.pacedChunks).toBe(2);
    expect(new SendWindow(6400, 100, 4).pacedChunks).toBe(4);
  });

  it('a run of chunks in one frame counts its frame once', () => {
    const w = new SendWindow(64 * 100, 100, 64, 1000);
    const t = w.take()!;
    expect(w.takeNext(1) && w.takeNext(2)).toBe(true);
    w.sent(t.index, 0, false, 15);
    w.sent(1, 0, false, 0);
    w.sent(2, 0, false, 0);
    expect(w.wireInFlight).toBe(15);
  });

  it('samples RTT only from chunks sent once (Karn)', () => {
    const w = new SendWindow(400, 100, 4);
    sendAll(w, 0);
    expect(w.expire(50, 50)).toBe(4);
    expect(w.take()).toEqual({ index: 0, repeat: true });
    w.sent(0, 60);
    const r = w.ack(ackOf([0, 1], 100, 400), 80);
    expect(r.rttSamples).toEqual([80]); // chunk 1 only: chunk 0 was repeated
  });

  it(`marks a chunk lost once a chunk sent ${DUP_THRESHOLD} transmissions later is acknowledged`, () => {
    const w = new SendWindow(1000, 100, 10);
    sendAll(w, 0);
    expect(w.ack(ackOf([1, 2], 100, 1000), 5).lost).toBe(0);
    const r = w.ack(ackOf([1, 2, 3], 100, 1000), 6);
    expect(r.lost).toBe(1);
    expect(w.take()).toEqual({ index: 0, repeat: true });
  });

  it('expires chunks older than the RTO and repeats them in offset order', () => {
    const w = new SendWindow(300, 100, 3);
    for (const [i, t] of [[0, 0], [1, 5], [2, 10]] as const) {
      expect(w.take()).toEqual({ index: i, repeat: false });
      w.sent(i, t);
    }
    expect(w.nextExpiry(100)).toBe(100);
    expect(w.expire(106, 100)).toBe(2);
    expect([w.take()?.index, w.take()?.index, w.take()]).toEqual([0, 1, undefined]);
  });

  it('setHeld makes the held map exactly the target word, re-queueing chunks it no longer holds', () => {
    const w = new SendWindow(1000, 100, 10);
    w.setHeld([{ start: 0, end: 300 }, { start: 500, end: 650 }]);
    expect(w.heldBytes).toBe(300 + 100);
    expect(sendAll(w, 0)).toEqual([3, 4, 6, 7, 8, 9]);
    w.setHeld([{ start: 0, end: 100 }]);
    expect(w.heldBytes).toBe(100);
    expect(sendAll(w, 1)).toEqual([1, 2, 5]);
  });

  it('ignores ACKs that do not fit the session', () => {
    const w = new SendWindow(1000, 100, 10);
    expect(w.ack({ kind: 'ack', cumulative: 150, bitmap: new Uint8Array(0) }, 0).valid).toBe(false);
    expect(w.ack({ kind: 'ack', cumulative: 2000, bitmap: new Uint8Array(0) }, 0).valid).toBe(false);
    expect(w.ack({ kind: 'ack', cumulative: 800, bitmap: Uint8Array.of(0xff) }, 0).valid).toBe(false);
  });

  it('counts the short last chunk exactly', () => {
    const w = new SendWindow(250, 100, 4);
    sendAll(w, 0);
    w.ack(ackOf([0, 1, 2], 100, 250), 1);
    expect(w.allHeld).toBe(true);
    expect(w.heldBytes).toBe(250);
  });

  it('lostBefore: chunks sent before a frame the target saw, and not held, are repeated at once (tail loss)', () => {
    const w = new SendWindow(1000, 100, 10);
    expect(sendAll(w, 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const endTx = w.lastTx; // END goes out now; the target answers EAGAIN
    w.ack(ackOf([0, 1, 2, 3, 4, 5, 6, 7], 100, 1000), 5); // 8 and 9 were among the last 3: no fast repeat
    expect(w.canSend).toBe(false);
    expect(w.lostBefore(endTx)).toBe(2);
    expect([w.take()?.index, w.take()?.index, w.take()]).toEqual([8, 9, undefined]);
  });
});


/**
 * Delta and compressed transfers end to end (docs/protocol.md 9): host
 * engine, real codecs and channels, the link emulator, serveTarget and the
 * virtual board on a memory FRAM chip, in virtual time.
 */
import { createHash } from 'node:crypto';
import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType } from '../../src/protocol/messages-types.js';
import { decodeMessage } from '../../src/protocol/messages.js';
import { BoardRig, resultOf } from './board-rig.js';
import { editCode, firmwareCode, firmwareImage } from './delta-images.js';
import { buildBundle } from '../../src/bundle/index.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { ImageKind } from '../../src/protocol/messages-types.js';
import { tapChannel } from '../unit/protocol/engine/tap-channel.js';

const SIZE = 32 * 1024;
const FRAM = 96 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const oldImage = firmwareImage(SIZE);
const newImage = firmwareImage(SIZE, 1, (c) => editCode(c, Math.round(SIZE / 100), 128));

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** A rig whose active slot holds the old image (sent plain). */
async function withOld(board: ConstructorParameters<typeof BoardRig>[0] = {}): Promise<BoardRig> {
  rig = new BoardRig({ framSize: FRAM, ...board });
  await rig.provision(oldImage);
  await rig.confirm();
  expect(rig.activeSha()).toBe(sha(oldImage));
  return rig;
}

describe('delta transfer to the virtual board', () => {
  it('reuses what the active slot holds, moved content included, and commits the new image', async () => {
    const r = await withOld();
    const res = resultOf(await r.provisionCoded(newImage));
    expect(r.activeSha()).toBe(sha(newImage));
    const s = res.savings!;
    expect(s.reusedBytes).toBeGreaterThan(0.9 * SIZE);
    expect(s.wireBytes + s.sigBytes).toBeLessThan(0.12 * newImage.length);
    expect(s.repaired).toBeUndefined();
  });

  it("opens the window as wide as the board's INFO accepts, with the wire bytes in flight of the host's window", async () => {
    const r = await withOld();
    const peer = await r.connect();
    const begins: { window: number; ackEvery: number }[] = [];
    const host = tapChannel(r.host, {
      send: (f) => {
        if (f.type === MessageType.BEGIN) {
          const m = decodeMessage(f.type, f.payload);
          if (m.ok && m.msg.kind === 'begin') begins.push({ window: m.msg.window, ackEvery: m.msg.ackEvery });
        }
        return r.host.send(f);
      },
    });
    const narrow = { ...peer, window: 4 };
    resultOf(await r.provisionCoded(newImage, { peer: narrow }, host));
    expect(r.activeSha()).toBe(sha(newImage));
    expect(peer.info.window).toBeGreaterThan(4);
    expect(begins[0]).toEqual({ window: peer.info.window, ackEvery: 1 }); // ACKs paced by the 4 chunks' worth on the wire
  });

  it('a bundle: version 2 (one app changed in a few bytes) reuses the rest of version 1 and commits every segment at once', async () => {
    rig = new BoardRig({ framSize: FRAM });
    const r = rig;
    const code = firmwareCode(8 * 1024, 4);
    const v1 = buildBundle([{ kind: 'hxe', bytes: writeHxe({ code: firmwareCode(8 * 1024, 3), appName: 'alpha' }) }, { kind: 'hxe', bytes: writeHxe({ code, appName: 'beta' }) }], { name: 'pair', securityCounter: 1 }).bytes;
    const changed = code.slice();
    for (let i = 4000; i < 4040; i++) changed[i] = changed[i]! ^ 0x21;
    const v2 = buildBundle([{ kind: 'hxe', bytes: writeHxe({ code: firmwareCode(8 * 1024, 3), appName: 'alpha' }) }, { kind: 'hxe', bytes: writeHxe({ code: changed, appName: 'beta' }) }], { name: 'pair', securityCounter: 1 }).bytes;
    await r.provision(v1, { imageKind: ImageKind.bundle });
    await r.confirm();
    const res = resultOf(await r.provisionCoded(v2, { imageKind: ImageKind.bundle }));
    expect(r.activeSha()).toBe(sha(v2));
    expect(res.savings!.reusedBytes).toBeGreaterThan(0.8 * v2.length);
    expect(res.savings!.repaired).toBeUndefined();
    expect(r.board.apps.map((a) => a.appName).sort()).toEqual(['alpha', 'beta']);
  });

  it('an old board (no delta or compression bits) gets the plain transfer, no SIGS', async () => {
    const r = await withOld({ board: { delta: false, compression: false } });
    const sent: number[] = [];
    const host = tapChannel(r.host, { send: (f) => (sent.push(f.type), r.host.send(f)) });
    const res = resultOf(await r.provisionCoded(newImage, {}, host));
    expect(r.activeSha()).toBe(sha(newImage));
    expect(res.savings).toBeUndefined();
    expect(sent).not.toContain(MessageType.SIGS);
    expect(sent).not.toContain(MessageType.XDATA);
  });

  it('compression only: a board without delta gets compressed chunks and no copies, with no SIGS (INFO lists its codecs)', async () => {
    const r = await withOld({ board: { delta: false } });
    const sent: number[] = [];
    const host = tapChannel(r.host, { send: (f) => (sent.push(f.type), r.host.send(f)) });
    const res = resultOf(await r.provisionCoded(newImage, {}, host));
    expect(sent).not.toContain(MessageType.SIGS);
    expect(res.savings!.sigBytes).toBe(0);
    expect(r.activeSha()).toBe(sha(newImage));
    expect(res.savings!.reusedBytes).toBe(0);
    expect(res.savings!.compressedBytes).toBeGreaterThan(0.5 * newImage.length);
    expect(res.savings!.packedBytes).toBeLessThan(res.savings!.compressedBytes);
  });

  it('the host can turn either off (--no-delta, --no-compress)', async () => {
    const r = await withOld();
    const res = resultOf(await r.provisionCoded(newImage, { compress: false }));
    expect(res.savings!.compressedBytes).toBe(0);
    expect(res.savings!.reusedBytes).toBeGreaterThan(0.9 * SIZE);
    await r.confirm();
    const again = firmwareImage(SIZE, 3);
    const res2 = resultOf(await r.provisionCoded(again, { delta: false }));
    expect(res2.savings!.reusedBytes).toBe(0);
    expect(res2.savings!.sigBytes).toBe(0); // --no-delta: the codecs come with INFO, no SIGS
    expect(r.activeSha()).toBe(sha(again));
  });

  it('over a line that loses, corrupts and duplicates frames: the delta completes bit-exact, repeats counted on the wire only', async () => {
    const r = await withOld({ faults: [{ direction: 'toTarget', lossEvery: 7 }, { corrupt: 0.02 }, { duplicate: 0.02 }] });
    const res = resultOf(await r.provisionCoded(newImage));
    expect(r.activeSha()).toBe(sha(newImage));
    expect(res.counters.retransmits).toBeGreaterThan(0);
    const s = res.savings!;
    expect(s.repaired).toBeUndefined();
    expect(s.reusedBytes).toBeGreaterThan(0.9 * SIZE);
    expect(s.reusedBytes + s.compressedBytes).toBeLessThanOrEqual(newImage.length);
  });

  it('a repeated XDATA run costs one ACK, not one per chunk it covers', async () => {
    const r = await withOld();
    let runs = 0;
    let chunksInRuns = 0;
    const host = tapChannel(r.host, {
      send: async (f) => {
        const count = f.type === MessageType.XDATA ? new DataView(f.payload.buffer, f.payload.byteOffset).getUint16(4) : 1;
        if (count > 1) {
          runs++;
          chunksInRuns += count;
          await r.host.send(f); // a duplicate on the line
        }
        return r.host.send(f);
      },
    });
    const before = r.target.counters.acksSent;
    const res = resultOf(await r.provisionCoded(newImage, { compress: false }, host));
    expect(r.activeSha()).toBe(sha(newImage));
    expect(runs).toBeGreaterThan(0);
    expect(chunksInRuns).toBeGreaterThan(2 * runs); // runs of several chunks: an ACK per chunk would be more than one per frame
    const frames = res.counters.framesSent + runs;
    expect(r.target.counters.acksSent - before).toBeLessThanOrEqual(frames);
  });

  it('copies corrupted on the active slot after the signatures are caught at END and repaired, never committed', async () => {
    const r = await withOld();
    const activeData = r.board.fram.map().slots.find((s) => s.role === 'active')!.dataOffset;
    let corrupted = false;
    const host = tapChannel(r.host, {
      send: (f) => {
        if (f.type === MessageType.XDATA && !corrupted) {
          corrupted = true;
          for (let i = 4096; i < 8192; i++) r.chip[activeData + i]! ^= 0x5a; // the board's active slot changes under the plan
        }
        return r.host.send(f);
      },
    });
    const committed: string[] = [];
    r.board.allEvents$.subscribe((e) => {
      if (e.type === 'provisioning.complete') committed.push(e.sha256);
    });
    const res = resultOf(await r.provisionCoded(newImage, {}, host));
    expect(corrupted).toBe(true);
    expect(res.savings!.repaired).toBe(true);
    expect(r.activeSha()).toBe(sha(newImage));
    expect(committed).toEqual([sha(newImage)]); // the wrong staged image was never committed
    const failed = r.events.flatMap((e) => (e.type === 'provisioning.error' ? [e.code] : []));
    expect(failed.length).toBe(1);
    expect(['crc_mismatch', 'sha256_mismatch']).toContain(failed[0]); // END's verification of the whole staged image
  });

  it('a power cut during a delta transfer leaves the old image active, and the transfer resumes and completes', async () => {
    const r = await withOld({ bitRate: 115_200, board: { progressWindowMs: 0 } });
    const from = r.events.length;
    const run = r.startCoded(newImage);
    run.catch(() => undefined);
    const written = (): number => {
      const p = r.events.slice(from).filter((e) => e.type === 'provisioning.progress').at(-1);
      return p?.type === 'provisioning.progress' ? p.bytesWritten : 0;
    };
    while (written() === 0) await r.clock.advanceTo(r.clock.now + 1);
    expect(written()).toBeLessThan(newImage.length);
    await r.reboot(); // power cut mid-transfer
    expect(r.activeSha()).toBe(sha(oldImage));
    const kept = (await r.board.held())?.ranges.reduce((n, x) => n + x.end - x.start, 0) ?? 0;
    expect(kept).toBeGreaterThan(0);
    const res = resultOf(await r.clock.until(run));
    expect(r.events.filter((e) => e.type === 'provisioning.started').at(-1)).toMatchObject({ resumed: true });
    expect(r.activeSha()).toBe(sha(newImage));
    expect(res.savings!.reusedBytes).toBeGreaterThan(0);
  });

  it('a new host process resumes a cut delta transfer (--resume) from what the board kept', async () => {
    const r = await withOld({ bitRate: 115_200, board: { progressWindowMs: 0 } });
    const from = r.events.length;
    let dead = false; // the first host process dies with the board's power
    const first = tapChannel(r.host, { send: (f) => (dead ? Promise.resolve() : r.host.send(f)), frames$: r.host.frames$.pipe(filter(() => !dead)) });
    const run = r.startCoded(newImage, {}, first);
    run.catch(() => undefined);
    const written = (): number => {
      const p = r.events.slice(from).filter((e) => e.type === 'provisioning.progress').at(-1);
      return p?.type === 'provisioning.progress' ? p.bytesWritten : 0;
    };
    while (written() === 0) await r.clock.advanceTo(r.clock.now + 1);
    dead = true;
    await r.reboot();
    const res = resultOf(await r.provisionCoded(newImage, { resume: true }));
    expect(res.resumed).toBe(true);
    expect(res.alreadyHeld).toBeGreaterThan(0);
    expect(r.activeSha()).toBe(sha(newImage));
  });
});

/**
 * CONFIRM of an image already permanent and ABORT with nothing to abort are
 * answered OK (idempotent) with a detail saying there was nothing to do
 * (docs/protocol.md 4.3, 6.2), which the engine exposes as
 * CommandOutcome.nothingToDo for the confirm and abort commands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { abortSession } from '../../src/protocol/engine/index.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { BoardRig } from './board-rig.js';

const rigs: BoardRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.dispose();
});

function image(appName: string, codeBytes = 4096): Uint8Array {
  return writeHxe({ code: new Uint8Array(codeBytes).map((_, i) => (i * 13 + appName.length) & 0xff), entry: 0, reqCaps: 0, appName, values: [], commands: [], mailboxes: [] });
}

describe('nothing to do', () => {
  it('CONFIRM of a trial image changes it; a second CONFIRM says the slot is already permanent', async () => {
    const r = new BoardRig();
    rigs.push(r);
    await r.provision(image('calib'));
    expect(await r.confirm()).toEqual({ nothingToDo: false, detail: '' });
    expect(await r.confirm()).toEqual({ nothingToDo: true, detail: 'nothing to confirm: slot A (calib) is already permanent' });
    expect(r.board.report().trial).toBe(false);
  });

  it('ABORT with no session and nothing staged says so; with an image staged it frees it and says nothing', async () => {
    const r = new BoardRig();
    rigs.push(r);
    const abort = (): Promise<unknown> => r.clock.until(abortSession(r.host, 0, { scheduler: r.clock.scheduler }));
    expect(await abort()).toEqual({ nothingToDo: true, detail: 'nothing to abort: no session is open and no image is staged' });
    // stage part of an image, then power-cycle: no session, but bytes kept
    const run = r.start(image('big', 30_000));
    run.catch(() => undefined);
    await r.clock.advanceTo(r.clock.now + 40);
    await r.reboot();
    expect(await r.board.held()).toBeDefined();
    expect(await abort()).toEqual({ nothingToDo: false, detail: '' });
    expect(await r.board.held()).toBeUndefined();
  });
});

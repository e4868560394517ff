/** withPlannedBoard over an in-process emulator pair, in virtual time: what a board command does around its operation. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withPlannedBoard } from '../../../src/cli/link-board.js';
import { openPlannedLink, planLink } from '../../../src/cli/link.js';
import { FileSink, serveTarget, status } from '../../../src/protocol/engine/index.js';
import { VirtualClock } from '../transports/virtual-time.js';

describe('withPlannedBoard', () => {
  it('a board gone silent at a switched rate ends the command after the request budget (7.5 s), without asking it back to the start rate', async () => {
    const clock = new VirtualClock();
    const deps = { scheduler: clock.scheduler };
    const opts = { link: 'emulator@115200,pair=link-board-silent', baudMax: '921600' };
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-link-board-'));
    const end = await openPlannedLink(planLink(opts), 'target', deps);
    const sink = new FileSink(join(dir, 'image.bin'));
    const rates = end.baud!;
    const target = serveTarget(end.channel, sink, { scheduler: clock.scheduler, baud: { link: rates.control, rate: rates.start, rates: rates.rates } });
    try {
      let silentAt = 0;
      const run = withPlannedBoard(
        planLink(opts),
        async (s) => {
          expect(s.baud?.rate).toBe(921600);
          await target.close();
          silentAt = clock.now;
          return status(s.link.channel, s.request);
        },
        deps,
        { switchBaud: true },
      );
      const err = await clock.until(run).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'peer_timeout', message: expect.stringContaining('after 4 tries in 7500 ms (STATUS)') as unknown });
      // asking the silent board for its start rate (SET_BAUD, then HELLO) would add their whole budgets
      expect(clock.now - silentAt).toBeLessThan(7600);
    } finally {
      await target.close();
      sink.close();
      await end.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

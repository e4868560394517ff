/**
 * src/cli/progress.ts and output.ts in virtual time: plain lines every 10 %
 * or once a second while bytes arrive, always the final 100 %, driven by the
 * scheduler's clock; the bar redrawn with `\r`, escape codes only when
 * allowed; nothing with --quiet.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { setVerbosity, stderrTerminal } from '../../../src/cli/output.js';
import { transferProgress } from '../../../src/cli/progress.js';

afterEach(() => setVerbosity('normal'));

/** A progress display on a virtual clock; `at(ms, held)` moves the clock to ms and reports `held`. */
function rig(terminal: { bar: boolean; ansi: boolean }, total = 100_000) {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const out: string[] = [];
  const p = transferProgress({ label: 'flash', total, startHeld: 0, scheduler, terminal, write: (t) => void out.push(t) });
  const until = (ms: number): void => {
    scheduler.maxFrames = ms;
    scheduler.flush();
    scheduler.frame = ms;
  };
  return { p, out, until, at: (ms: number, held: number) => (until(ms), p.update(held, 0)) };
}

describe('plain progress lines (stderr not a TTY, TERM=dumb)', () => {
  it('a line at each 10 % step and the final 100 % once, in the manner of esptool', () => {
    const r = rig({ bar: false, ansi: false });
    for (let i = 1; i <= 40; i++) r.at(i * 10, i * 2500); // 100 % within 400 ms: only the steps
    r.p.update(100_000, 0);
    r.p.stop();
    expect(r.out.join('')).toBe(
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((pct) => `Writing at 0x${(pct * 1000).toString(16).padStart(8, '0')}... (${pct} %)\n`).join(''),
    );
  });

  it('while bytes arrive slowly, a line once a second by the scheduler clock; none while nothing arrives', () => {
    const r = rig({ bar: false, ansi: false });
    r.at(500, 1000);
    r.at(1500, 2000);
    r.until(2000); // the clock's ticks at 1 s and 2 s print: new bytes each time, under 10 % apart
    expect(r.out).toEqual(['Writing at 0x00000000... (0 %)\n', 'Writing at 0x000003e8... (1 %)\n', 'Writing at 0x000007d0... (2 %)\n']);
    r.until(10_000); // a stall: no new bytes, no new lines
    expect(r.out).toHaveLength(3);
    r.at(10_100, 3000);
    r.until(11_000);
    expect(r.out.at(-1)).toBe('Writing at 0x00000bb8... (3 %)\n');
    r.p.stop();
    r.p.update(50_000, 0); // stopped: the tick is gone, only a step would print
    r.until(20_000);
    expect(r.out.at(-1)).toBe('Writing at 0x0000c350... (50 %)\n');
    expect(r.out.join('')).not.toContain('\u001b');
  });
});

describe('the bar (stderr a TTY)', () => {
  it('redraws in place with \\r; ANSI clears the line only when allowed', () => {
    const ansi = rig({ bar: true, ansi: true });
    ansi.at(300, 50_000); // drawn at 200 by the clock: too soon to draw again
    ansi.until(400); // the clock redraws
    ansi.p.update(100_000, 2);
    ansi.p.stop();
    const drawn = ansi.out.join('');
    expect(drawn).toMatch(/^\rflash \[\.{30}\] 0% /);
    expect(drawn).toContain('\rflash [###############...............] 50% | 49 KiB / 98 KiB');
    expect(drawn).toMatch(/\rflash \[#{30}\] 100% .* retransmits 2/);
    expect(drawn.endsWith('retransmits 2\u001b[K\n')).toBe(true);
    const plain = rig({ bar: true, ansi: false });
    plain.at(300, 50_000);
    plain.p.stop();
    expect(plain.out.join('')).toContain('\rflash [');
    expect(plain.out.join('')).not.toContain('\u001b');
  });

  it('nothing at all with --quiet', () => {
    setVerbosity('quiet');
    const r = rig({ bar: true, ansi: true });
    r.at(300, 100_000);
    r.p.stop();
    expect(r.out).toEqual([]);
  });
});

describe('what stderr can show', () => {
  it('a bar only on a TTY unless TERM=dumb; escape codes not with NO_COLOR (non-empty) or TERM=dumb', () => {
    expect(stderrTerminal({ TERM: 'xterm' }, true)).toEqual({ bar: true, ansi: true });
    expect(stderrTerminal({ TERM: 'xterm' }, false)).toEqual({ bar: false, ansi: false });
    expect(stderrTerminal({ TERM: 'dumb' }, true)).toEqual({ bar: false, ansi: false });
    expect(stderrTerminal({ TERM: 'xterm', NO_COLOR: '1' }, true)).toEqual({ bar: true, ansi: false });
    expect(stderrTerminal({ TERM: 'xterm', NO_COLOR: '' }, true)).toEqual({ bar: true, ansi: true });
  });
});

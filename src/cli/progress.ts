/**
 * Transfer progress on stderr (`hilbridge flash`, `hilbridge demo`), so
 * stdout keeps only results:
 *
 * - stderr a TTY (and TERM not `dumb`): one bar redrawn in place with `\r`:
 *   bytes held by the board, rate, ETA, retransmits. With NO_COLOR the line
 *   is cleared with spaces instead of an escape code: no ANSI at all.
 * - otherwise (a pipe, a CI log, TERM=dumb): plain lines in the manner of
 *   esptool, `Writing at 0x00012000... (45 %)`, each time another 10 % is
 *   held or, while bytes keep arriving, once a second; always the final
 *   `(100 %)`.
 * - `--quiet`: nothing.
 *
 * Time is the scheduler's (the link's clock, virtual in tests): rate, ETA
 * and the once-a-second lines come from `scheduler.now()` and an interval on
 * the same scheduler, never from the wall clock.
 */
import { interval } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { isQuiet, isVerbose, stderrTerminal } from './output.js';
import type { Terminal } from './output.js';

export interface TransferBar {
  update(heldBytes: number, retransmits: number): void;
  /** Stop drawing (the bar's line is ended); idempotent. */
  stop(): void;
}

export interface ProgressOptions {
  /** What is being sent, e.g. `flash app.hxe`; starts the bar. */
  readonly label: string;
  readonly total: number;
  /** Bytes the board held already when the transfer began (a resume). */
  readonly startHeld: number;
  readonly scheduler: SchedulerLike;
  /** Defaults to what stderr is (output.ts). */
  readonly terminal?: Terminal;
  /** Defaults to process.stderr. */
  readonly write?: (text: string) => void;
}

/** A plain line every this many ms while bytes arrive (besides every 10 %). */
export const LINE_EVERY_MS = 1000;
/** The bar is redrawn at most this often, and at least this often while it stands still (rate, ETA). */
export const BAR_EVERY_MS = 200;

const kib = (n: number): string => (n >= 10 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);
const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Progress for `total` bytes as stderr allows it (nothing with --quiet). */
export function transferProgress(o: ProgressOptions): TransferBar {
  if (isQuiet()) return { update: () => undefined, stop: () => undefined };
  const terminal = o.terminal ?? stderrTerminal();
  const write = o.write ?? ((text: string): void => void process.stderr.write(text));
  return terminal.bar ? barProgress(o, terminal, write) : lineProgress(o, write);
}

interface State {
  held: number;
  retransmits: number;
}

function rateText(o: ProgressOptions, started: number, s: State): { rate: string; eta: string } {
  const secs = Math.max(1e-3, (o.scheduler.now() - started) / 1000);
  const rate = (s.held - o.startHeld) / secs;
  const eta = rate > 0 ? `${Math.ceil((o.total - s.held) / rate)} s` : '?';
  return { rate: `${kib(Math.round(rate))}/s`, eta };
}

const percent = (held: number, total: number): number => (total === 0 ? 100 : Math.floor((held / total) * 100));

function lineProgress(o: ProgressOptions, write: (text: string) => void): TransferBar {
  const started = o.scheduler.now();
  const s: State = { held: o.startHeld, retransmits: 0 };
  let lastAt = started;
  let lastHeld = -1;
  let nextStep = 0;
  let finished = false;
  const print = (): void => {
    const pct = percent(s.held, o.total);
    const more = isVerbose() ? (() => {
      const r = rateText(o, started, s);
      return `, ${s.held} of ${o.total} bytes, ${r.rate}, ${s.retransmits} retransmits`;
    })() : '';
    write(`Writing at ${hex8(s.held)}... (${pct} %)${more}\n`);
    lastAt = o.scheduler.now();
    lastHeld = s.held;
    nextStep = pct - (pct % 10) + 10;
    if (s.held >= o.total) finished = true;
  };
  let tick: Subscription | undefined = interval(LINE_EVERY_MS, o.scheduler).subscribe(() => {
    if (s.held !== lastHeld && o.scheduler.now() - lastAt >= LINE_EVERY_MS) print();
  });
  print();
  return {
    update: (held, retransmits) => {
      s.held = held;
      s.retransmits = retransmits;
      if (finished) return;
      if (held >= o.total || percent(held, o.total) >= nextStep) print();
    },
    stop: () => {
      tick?.unsubscribe();
      tick = undefined;
    },
  };
}

function barProgress(o: ProgressOptions, terminal: Terminal, write: (text: string) => void): TransferBar {
  const started = o.scheduler.now();
  const s: State = { held: o.startHeld, retransmits: 0 };
  let drawnAt = -Infinity;
  let width = 0;
  const draw = (): void => {
    const pct = percent(s.held, o.total);
    const filled = Math.round((Math.min(pct, 100) / 100) * 30);
    const r = rateText(o, started, s);
    const text = `${o.label} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${pct}% | ${kib(s.held)} / ${kib(o.total)} | ${r.rate} | ETA ${r.eta} | retransmits ${s.retransmits}`;
    // Clear what the last drawing left: an escape code, or spaces when escapes are not wanted.
    const clear = terminal.ansi ? '\x1b[K' : ' '.repeat(Math.max(0, width - text.length));
    write(`\r${text}${clear}`);
    width = text.length;
    drawnAt = o.scheduler.now();
  };
  let tick: Subscription | undefined = interval(BAR_EVERY_MS, o.scheduler).subscribe(draw);
  draw();
  return {
    update: (held, retransmits) => {
      s.held = held;
      s.retransmits = retransmits;
      if (held >= o.total || o.scheduler.now() - drawnAt >= BAR_EVERY_MS) draw();
    },
    stop: () => {
      if (tick === undefined) return;
      tick.unsubscribe();
      tick = undefined;
      draw();
      write('\n');
    },
  };
}

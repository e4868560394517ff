/**
 * The target's side of SET_BAUD (docs/protocol.md 7.5): switch after the OK
 * has left at the old rate, then revert on its own unless an intact frame
 * arrives at the new rate within confirmMs; and return to the start rate
 * after idleRevertMs of silence at any other rate, so a host that died or
 * gave up never leaves the board deaf at a rate nobody will use.
 */
import type { SchedulerLike } from 'rxjs';
import { WireCode } from '../messages-codes.js';
import { BAUD_DEFAULTS, normaliseRates } from './baud.js';
import type { LineRateControl } from './baud.js';
import { Timer } from './timer.js';

/**
 * The longest confirm window the target grants, ms, whatever SET_BAUD asks
 * (its field allows 65535): an unconfirmed switch never holds the board at
 * a rate nobody uses for longer than this (docs/protocol.md 7.5).
 */
export const MAX_BAUD_CONFIRM_MS = 5000;

export interface TargetBaudOptions {
  /** The link's rate control (the byte-stream transport). */
  readonly link: LineRateControl;
  /** Rate the line runs at when serving starts, bit/s: the rate it returns to. */
  readonly rate: number;
  /** Rates this target accepts (INFO lineRates); the start rate is always included. */
  readonly rates: readonly number[];
  /** Default 3000 ms. */
  readonly idleRevertMs?: number;
}

export interface BaudCounters {
  /** Switches made on SET_BAUD. */
  baudSwitches: number;
  /** Switches undone: unconfirmed within confirmMs, or silent for idleRevertMs. */
  baudReverts: number;
}

export class TargetBaud {
  rate: number;
  readonly rates: readonly number[];
  private pending = false;
  private readonly confirmTimer: Timer;
  private readonly idleTimer: Timer;
  private readonly idleMs: number;

  constructor(
    private readonly opts: TargetBaudOptions,
    scheduler: SchedulerLike,
    private readonly counters: BaudCounters,
  ) {
    this.rate = opts.rate;
    this.rates = normaliseRates([...opts.rates, opts.rate]);
    this.confirmTimer = new Timer(scheduler);
    this.idleTimer = new Timer(scheduler);
    this.idleMs = opts.idleRevertMs ?? BAUD_DEFAULTS.idleRevertMs;
  }

  /** An intact frame arrived: it proves the current rate. */
  heard(): void {
    if (this.pending) {
      this.pending = false;
      this.confirmTimer.clear();
    }
    if (this.rate !== this.opts.rate) this.idleTimer.set(this.idleMs, () => void this.revert(this.opts.rate));
  }

  /** Why SET_BAUD to `rate` is refused (code, detail), or undefined. */
  refusal(rate: number): { code: number; detail: string } | undefined {
    if (this.rates.includes(rate)) return undefined;
    return { code: WireCode.EINVAL, detail: `${rate} bit/s is not one of this target's rates (${this.rates.join(', ')})` };
  }

  /** Switch to `rate` (the OK was already accepted by the link); revert unless heard within confirmMs (at most MAX_BAUD_CONFIRM_MS). */
  async switchTo(rate: number, confirmMs: number): Promise<void> {
    if (rate === this.rate) return;
    const previous = this.rate;
    try {
      await this.opts.link.setBaudRate(rate);
    } catch {
      return; // still at the old rate: the host's proof fails and it reverts too
    }
    this.rate = rate;
    this.counters.baudSwitches++;
    this.pending = true;
    this.idleTimer.clear();
    this.confirmTimer.set(Math.min(confirmMs, MAX_BAUD_CONFIRM_MS), () => void this.revert(previous));
  }

  private async revert(to: number): Promise<void> {
    this.pending = false;
    this.confirmTimer.clear();
    this.idleTimer.clear();
    if (to === this.rate) return;
    try {
      await this.opts.link.setBaudRate(to);
      this.rate = to;
      this.counters.baudReverts++;
    } catch {
      // The link is gone; serving ends through frames$.
    }
  }

  stop(): void {
    this.confirmTimer.clear();
    this.idleTimer.clear();
  }
}

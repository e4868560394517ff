/**
 * Line-rate switching shared by both sides (docs/protocol.md sections 4.3
 * and 7.5): what the engine needs from a byte-stream link, and the defaults.
 * The engine only ever calls `setBaudRate`; the link (UART adapter, emulator)
 * drains what it already accepted at the old rate before switching.
 */

/** What a byte-stream link provides for rate switching (the UART and emulator transports have it). */
export interface LineRateControl {
  /** Switch this end's line rate once every byte already accepted has been sent, bit/s. */
  setBaudRate(bitRate: number): Promise<void>;
}

/** Rates a host tries by default, bit/s (common USB-UART and MCU rates); `--baud-max` caps them. */
export const DEFAULT_LINE_RATES: readonly number[] = [115200, 230400, 460800, 921600, 1_000_000, 2_000_000, 3_000_000, 4_000_000];

export const BAUD_DEFAULTS = {
  /** Rate every connect starts at, bit/s. */
  startRate: 115200,
  /** Target reverts unless an intact frame arrives at the new rate within this, ms (SET_BAUD's confirmMs). */
  confirmMs: 1000,
  /** Host's proof at the new rate: HELLO with this wait per try, ms ... */
  probeTimeoutMs: 200,
  /** ... and this many tries (all inside confirmMs). */
  probeTries: 3,
  /** Rates tried upwards per negotiation before settling. */
  maxAttempts: 3,
  /** Target returns to its start rate after this long without an intact frame at another rate, ms. */
  idleRevertMs: 3000,
  /** Transfer fallback: judge the error rate over windows of this many frames sent ... */
  errorWindowFrames: 64,
  /** ... and step one rate down when (retransmits + CRC errors + malformed) / frames exceeds this. */
  errorThreshold: 0.1,
} as const;

/** Sorted, de-duplicated positive rates. */
export function normaliseRates(rates: readonly number[]): number[] {
  return [...new Set(rates.filter((r) => Number.isSafeInteger(r) && r > 0))].sort((a, b) => a - b);
}

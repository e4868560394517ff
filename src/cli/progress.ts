/**
 * The progress bar a TTY gets during `hilbridge flash`: bytes held by the
 * target, rate, ETA and retransmits. Built on cli-progress; writes to stderr
 * so stdout keeps only results.
 */
import { SingleBar } from 'cli-progress';

export interface TransferBar {
  update(heldBytes: number, retransmits: number): void;
  stop(): void;
}

const kib = (n: number): string => (n >= 10 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);

/** A bar for `total` bytes; `now()` is the clock the rate is measured on. */
export function transferBar(label: string, total: number, startHeld: number, now: () => number): TransferBar {
  const started = now();
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {held} / {size} | {rate} | ETA {etaText} | retransmits {retransmits}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      barCompleteChar: '#',
      barIncompleteChar: '.',
    },
  );
  const payload = (held: number, retransmits: number): Record<string, string | number> => {
    const secs = Math.max(1e-3, (now() - started) / 1000);
    const rate = (held - startHeld) / secs;
    const eta = rate > 0 ? Math.ceil((total - held) / rate) : undefined;
    return { held: kib(held), size: kib(total), rate: `${kib(Math.round(rate))}/s`, etaText: eta === undefined ? '?' : `${eta} s`, retransmits };
  };
  bar.start(total, startHeld, payload(startHeld, 0));
  return {
    update: (held, retransmits) => bar.update(held, payload(held, retransmits)),
    stop: () => bar.stop(),
  };
}

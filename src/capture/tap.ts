/**
 * Recording a link at the transport layer: a transport that passes every
 * unit through unchanged and writes it to a capture as it goes. Sits between
 * the opened transport and the frame channel, so it sees exactly what the
 * wire carries: CAN frames (segments, parity, foreign traffic the filter let
 * through) or the byte chunks of a UART, both directions.
 *
 *   CAN:   candump -l lines with the direction: (1732871234.123456) can0 4A0#4842010100000000 T
 *   bytes: (1732871234.123456) /dev/ttyUSB0 TX 0003484201...   (docs/cli.md, flash --capture)
 *
 * TX lines are written when a unit is handed to the link, RX lines when it
 * arrives, each stamped with the link's clock. The tap subscribes to the
 * transport's receive stream once, for the link's life, so every received
 * unit is recorded once however many subscribers the channel has.
 */
import { Subject } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { formatByteLog, formatCandumpLog } from '../protocol/candump.js';
import type { WireDirection } from '../protocol/candump.js';
import type { AnyTransport, ByteStreamTransport, CanFrame, CanTransport } from '../transports/types.js';
import type { CaptureFile } from './capture-file.js';

/** Bytes of one byte-stream line at most (a longer chunk is split): 512 hex digits, well under a reader's line cap. */
export const BYTES_PER_LINE = 256;

/** An interface name as one word of a capture line. */
const word = (name: string): string => name.replace(/\s+/g, '_') || 'link';

/** One subscription to the transport's units for the link's life: each unit recorded, then passed on to whoever listens. */
function relay<U>(source: Observable<U>, record: (u: U) => void): { rx$: Subject<U>; sub: Subscription } {
  const rx$ = new Subject<U>();
  const sub = source.subscribe({
    next: (u) => {
      record(u);
      rx$.next(u);
    },
    error: (e: unknown) => rx$.error(e),
    complete: () => rx$.complete(),
  });
  return { rx$, sub };
}

/** Close the transport, then stop recording: a shared transport (an emulator pair's host end) goes on without this tap. */
async function closeBoth<U>(t: AnyTransport, { rx$, sub }: { rx$: Subject<U>; sub: Subscription }): Promise<void> {
  try {
    await t.close();
  } finally {
    sub.unsubscribe();
    rx$.complete();
  }
}

/** `transport`, recorded to `file`. Closing it closes the transport; the file is the caller's to close. */
export function tapTransport(transport: AnyTransport, file: CaptureFile, scheduler: SchedulerLike): AnyTransport {
  const iface = word(transport.name);
  const seconds = (): number => scheduler.now() / 1000;
  if (transport.framing === 'can') {
    const t: CanTransport = transport;
    const r = relay<CanFrame>(t.rx$, (f) => file.line(formatCandumpLog(seconds(), iface, f, 'RX')));
    return {
      kind: t.kind, name: t.name, framing: 'can', fd: t.fd, rx$: r.rx$.asObservable(),
      send: (f) => {
        file.line(formatCandumpLog(seconds(), iface, f, 'TX'));
        return t.send(f);
      },
      close: () => closeBoth(t, r),
    };
  }
  const t: ByteStreamTransport = transport;
  const record = (dir: WireDirection, bytes: Uint8Array): void => {
    for (let at = 0; at < bytes.length; at += BYTES_PER_LINE) file.line(formatByteLog(seconds(), iface, dir, bytes.subarray(at, at + BYTES_PER_LINE)));
  };
  const r = relay<Uint8Array>(t.rx$, (b) => record('RX', b));
  const tapped: ByteStreamTransport = {
    kind: t.kind, name: t.name, framing: 'bytes', rx$: r.rx$.asObservable(),
    send: (b) => {
      record('TX', b);
      return t.send(b);
    },
    close: () => closeBoth(t, r),
  };
  return t.setBaudRate === undefined ? tapped : { ...tapped, setBaudRate: (n: number) => t.setBaudRate!(n) };
}

/**
 * A link's protocol tuning, derived from what its transport is: the largest
 * frame this end sends and accepts, the DATA chunk a host should ask for, and
 * how many chunks a board on it takes in flight. One place for these numbers,
 * so the CLI, the demo and the benches all run a link the same way.
 */
import type { AnyTransport } from '../transports/types.js';

/** Which of the transport's capabilities the profile was derived from. */
export type LinkMedium = 'bytes' | 'can' | 'canfd';

export interface LinkProfile {
  readonly medium: LinkMedium;
  /** Largest encoded frame this end sends and accepts, bytes. */
  readonly maxFrame: number;
  /** Chunk a host should ask for in HELLO (undefined: what the frame allows). */
  readonly maxChunk: number | undefined;
  /** Chunks a board on this link accepts in flight (undefined: the engine's default). */
  readonly window: number | undefined;
}

/** Largest encoded frame: a 1024-byte DATA chunk (also room for INFO/STATUS with SHA-256s). */
export const DEFAULT_MAX_FRAME = 1044;
/** DATA chunk on classic CAN: 256 bytes (33 segments), so one lost segment costs little. */
export const CLASSIC_CAN_CHUNK = 256;
/**
 * Chunks a board on classic CAN accepts in flight: 4 x 33 = 132 frames, about
 * what a SocketCAN receive queue (or a small MCU's RX FIFO and ring) holds
 * before dropping. Measured on vcan0 in UML with a 125 KB image: window 16
 * lost frames at the receiver (199 repeats, 4.2 s), window 4 almost none
 * (8 repeats, 4.7 s). On a real bus, 1 KiB in flight is 15-30 ms of bus time
 * at 1 Mbit/s-500 kbit/s, more than an adapter's round trip.
 */
export const CLASSIC_CAN_WINDOW = 4;

/** What the transport carries: a byte stream, classic CAN frames, or CAN FD frames. */
export function mediumOf(transport: AnyTransport): LinkMedium {
  if (transport.framing === 'bytes') return 'bytes';
  return transport.fd ? 'canfd' : 'can';
}

/** The profile of a link over `transport` (`maxFrame` overrides the default frame size, e.g. for benchmarks). */
export function linkProfile(transport: AnyTransport, maxFrame: number = DEFAULT_MAX_FRAME): LinkProfile {
  const medium = mediumOf(transport);
  return medium === 'can'
    ? { medium, maxFrame, maxChunk: CLASSIC_CAN_CHUNK, window: CLASSIC_CAN_WINDOW }
    : { medium, maxFrame, maxChunk: undefined, window: undefined };
}

/**
 * Types shared by the protocol's codecs and its engine. Types only.
 *
 * Layering:
 *   Transport (src/transports)   raw units: byte chunks or CAN frames
 *   framer    (src/protocol/cobs, src/protocol/can)  units <-> encoded frame bytes
 *   frame codec (src/protocol/frame)                 encoded bytes <-> Frame (CRC checked)
 *   FrameChannel                                     what the engine is given
 *   engine    (src/protocol/engine)                  messages, windows, retransmission
 */
import type { Observable } from 'rxjs';

/** A decoded, CRC-checked protocol frame. See docs/protocol.md section 1. */
export interface Frame {
  /** Message type (see messages.ts MessageType). */
  readonly type: number;
  /** Frame flags (bit 0 = sent by the target). */
  readonly flags: number;
  /** Transfer session id (u16); 0 outside a transfer. */
  readonly session: number;
  /** Sender's frame sequence number (u16, wraps). */
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** Everything a channel discards, counted, never thrown. */
export interface ChannelCounters {
  /** Frames sent / received intact. */
  framesSent: number;
  framesReceived: number;
  /** Encoded frames whose CRC-32 did not match. */
  crcErrors: number;
  /** Frames that were structurally bad: wrong magic, length field disagreeing with the bytes, COBS violations. */
  malformed: number;
  /** Frames with a protocol version this build does not speak. */
  badVersion: number;
  /** Runs of bytes (or segment chains) longer than the channel's maximum frame: discarded, never buffered. */
  oversize: number;
  /** Bytes thrown away while resynchronising a byte stream. */
  garbageBytes: number;
  /** CAN segments missing or out of order within a frame (the frame is dropped). */
  segmentErrors: number;
  /** Bytes that arrived from the link (byte streams: every byte; CAN: the data of segments addressed to this end), valid or not. */
  bytesReceived: number;
  /** Intact frames that are byte for byte one this channel sent lately: a loopback or an echoing adapter, never the peer. */
  echoes: number;
}

/** A bidirectional channel of protocol frames over one transport, to one peer. */
export interface FrameChannel {
  /** Names the peer and the link for messages, e.g. "node 5 on vcan0" or "/dev/ttyUSB0". */
  readonly name: string;
  /** Largest encoded frame (header + payload + CRC) this channel accepts or sends, in bytes. */
  readonly maxFrame: number;
  /** Intact frames from the peer. Completes when the transport closes; errors when it fails. */
  readonly frames$: Observable<Frame>;
  /** Encode and send one frame; resolves when the transport accepted every unit of it. */
  send(frame: Frame): Promise<void>;
  readonly counters: Readonly<ChannelCounters>;
  close(): Promise<void>;
  /**
   * The sender's word on DATA frames of `frameBytes` bytes: `delivered` were
   * acknowledged, `lost` had to be repeated. A channel that can add
   * redundancy (CAN segment parity, docs/protocol.md section 5.5) adapts it.
   */
  reportLoss?(delivered: number, lost: number, frameBytes: number): void;
}

/**
 * The transport contract. Types only: no runtime code lives here.
 *
 * A transport moves *units* between two endpoints: raw byte chunks on a byte
 * stream (UART, pty, TCP), or CAN frames on a CAN bus. It knows nothing about
 * the hilbridge protocol: framing (COBS, CAN segmentation) lives in
 * src/protocol, which receives an already opened transport and never opens one.
 *
 * Conventions (every adapter, the emulator included, obeys them; the contract
 * test suite in test/ checks them):
 * - `rx$` is hot: units that arrive while nobody subscribes are dropped.
 *   It completes when the transport is closed locally, and errors with a
 *   LinkError('link_disconnected') when the link goes away underneath.
 * - `send` resolves when the link has accepted the unit (back-pressure: the
 *   caller must not have more than a bounded number of sends pending). It
 *   rejects with LinkError('link_closed') once close() was called, including
 *   sends that were still pending then.
 * - `close` is idempotent.
 * - Streams are Observables, one-shot operations are Promises; no callbacks.
 */
import type { Observable } from 'rxjs';

export type LinkKind = 'uart' | 'can' | 'emulator' | 'canbus';

/** 11-bit (standard) or 29-bit (extended) CAN identifiers: one vocabulary for the protocol, the emulator's bit costs and the CLI. */
export type CanIdFormat = 'std' | 'ext';

/** One classic CAN or CAN FD frame. */
export interface CanFrame {
  /** 11-bit or 29-bit identifier. */
  readonly id: number;
  /** True for a 29-bit (extended) identifier. */
  readonly extended: boolean;
  /** True for a CAN FD frame (data up to 64 bytes). */
  readonly fd: boolean;
  /** 0..8 bytes (classic) or a valid FD length (0..8, 12, 16, 20, 24, 32, 48, 64). */
  readonly data: Uint8Array;
}

export interface Transport<Unit> {
  readonly kind: LinkKind;
  /** Human name used in every message about this link: "vcan0", "/dev/ttyUSB0", "emulator". */
  readonly name: string;
  readonly rx$: Observable<Unit>;
  send(unit: Unit): Promise<void>;
  close(): Promise<void>;
}

/** A byte-stream link (UART, pty): units are arbitrary chunks of bytes; boundaries carry no meaning. */
export interface ByteStreamTransport extends Transport<Uint8Array> {
  readonly framing: 'bytes';
  /**
   * Change this end's line rate, bit/s (UART, the emulator; absent where the
   * rate means nothing, e.g. a TCP stream). Waits until every byte already
   * accepted by `send` has left at the old rate, then switches. Rejects with
   * LinkError when the rate cannot be set.
   */
  setBaudRate?(bitRate: number): Promise<void>;
}

/** A CAN link: units are CAN frames. */
export interface CanTransport extends Transport<CanFrame> {
  readonly framing: 'can';
  /** Whether the link carries CAN FD frames. */
  readonly fd: boolean;
}

export type AnyTransport = ByteStreamTransport | CanTransport;

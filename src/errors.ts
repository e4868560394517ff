/**
 * One error taxonomy for the whole bridge.
 *
 * Every failure a user can see is a HilbridgeError with a stable machine `code`
 * (snake_case or an errno-like name such as `EBUSY`), a message a bench engineer
 * understands (what is wrong, where, what to check), and the underlying `cause`
 * kept. Subclasses say which layer failed; the CLI maps them to exit codes:
 *
 *   UsageError                      -> 2  (bad arguments, configuration, local I/O)
 *   LinkError                       -> 3  (link unavailable, closed, peer not answering)
 *   InterruptedError                -> 130 (Ctrl-C) / 143 (SIGTERM), as shells expect
 *   everything else (image, target, -> 1  (the operation failed)
 *   protocol, fram)
 */
export interface ErrorJson {
  code: string;
  message: string;
  [key: string]: unknown;
}

export class HilbridgeError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** Extra machine-readable fields for `--json` output (subclasses add theirs). */
  protected details(): Record<string, unknown> {
    return {};
  }

  toJSON(): ErrorJson {
    return { code: this.code, message: this.message, ...this.details() };
  }
}

/**
 * A failure one byte offset is to blame for (into an image file, a FRAM image,
 * or an image on the wire), so the user can look there with a hex viewer.
 * `--json` carries it as `offset` (null when no single place is to blame).
 */
export class OffsetError<C extends string = string> extends HilbridgeError<C> {
  readonly offset: number | undefined;

  constructor(code: C, message: string, offset?: number, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.offset = offset;
  }

  protected override details(): Record<string, unknown> {
    return { offset: this.offset ?? null };
  }
}

/** Bad command-line arguments, configuration, or a local file that cannot be read/written. */
export class UsageError extends HilbridgeError {}

/**
 * The link failed or the peer did not answer. `link` names the link
 * ("can0 node 5", "/dev/ttyUSB0", "emulator").
 */
export class LinkError extends HilbridgeError<LinkErrorCode> {
  readonly link: string;
  constructor(code: LinkErrorCode, link: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.link = link;
  }
  protected override details(): Record<string, unknown> {
    return { link: this.link };
  }
}

export type LinkErrorCode =
  | 'link_closed' // the link was closed while work was in flight
  | 'link_unavailable' // interface/port missing, down, busy, or no permission
  | 'link_disconnected' // the link went away mid-operation
  | 'peer_timeout' // the peer did not answer after the configured tries
  | 'session_timeout' // the whole session exceeded its time budget
  | 'unsupported_link'; // no adapter for this kind of link (or its native module is missing)

/** What the user stops a command with: Ctrl-C, or SIGTERM (e.g. from a CI runner). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * The user stopped the command (Ctrl-C, SIGTERM). The message says what state
 * that left the board in and how to go on.
 */
export class InterruptedError extends HilbridgeError<'interrupted'> {
  readonly signal: StopSignal;
  constructor(signal: StopSignal, message: string) {
    super('interrupted', message);
    this.signal = signal;
  }
  protected override details(): Record<string, unknown> {
    return { signal: this.signal };
  }
}

/** A peer violated the wire protocol in a way retrying cannot fix (e.g. version mismatch). */
export class ProtocolError extends HilbridgeError {}

export function isHilbridgeError(e: unknown): e is HilbridgeError {
  return e instanceof HilbridgeError;
}

/** Wrap anything thrown into the taxonomy without losing it. */
export function asHilbridgeError(e: unknown, fallbackCode = 'internal_error'): HilbridgeError {
  if (e instanceof HilbridgeError) return e as HilbridgeError;
  const message = e instanceof Error ? e.message : String(e);
  return new HilbridgeError(fallbackCode, message, { cause: e });
}

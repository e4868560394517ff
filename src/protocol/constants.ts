/**
 * Framing constants of wire protocol v1 (docs/protocol.md sections 1-3).
 * Frame codec, COBS framer and CAN segmenter take their numbers from here.
 */

/** "HB": the first two bytes of every frame. */
export const FRAME_MAGIC = 0x4842;
/** The only protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;

/** Bytes before the payload. */
export const FRAME_HEADER_SIZE = 12;
/** Bytes of the trailing CRC-32. */
export const FRAME_CRC_SIZE = 4;
/** Header + CRC: the size of a frame with an empty payload. */
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + FRAME_CRC_SIZE;
/** The u16 length field caps the payload. */
export const MAX_PAYLOAD_LIMIT = 0xffff;
/** Largest frame the format can express (header + 65535 + CRC). */
export const MAX_FRAME_LIMIT = FRAME_OVERHEAD + MAX_PAYLOAD_LIMIT;
/** Smallest maximum frame size a channel may be opened with. */
export const MIN_MAX_FRAME = 64;

/** Header field offsets. */
export const FrameOff = {
  magic: 0x00,
  version: 0x02,
  type: 0x03,
  length: 0x04,
  flags: 0x06,
  reserved: 0x07,
  session: 0x08,
  seq: 0x0a,
  payload: 0x0c,
} as const;

/** Header bytes a receiver needs to learn a frame's total length (magic, version, type, length). */
export const FRAME_LENGTH_PREFIX = 6;

/** Frame flag bits. */
export const FrameFlag = {
  /** Set by the target on every frame it sends; clear on frames from the host. */
  fromTarget: 0x01,
} as const;
/** Flag bits defined in v1; the others must be 0. */
export const FRAME_FLAGS_V1 = 0x01;

/** The COBS frame delimiter on byte streams. */
export const COBS_DELIMITER = 0x00;
/** Longest run of non-zero bytes one COBS code byte covers. */
export const COBS_MAX_RUN = 254;

/** Data bytes per classic CAN segment. */
export const CAN_CLASSIC_SEGMENT = 8;
/** Data bytes per CAN FD segment. */
export const CAN_FD_SEGMENT = 64;
/** Valid CAN FD data lengths above 8 (the DLC steps). */
export const CAN_FD_LENGTHS = [12, 16, 20, 24, 32, 48, 64] as const;
/** Pad byte for the last CAN FD segment (as ISO 15765-2; few stuff bits). */
export const CAN_FD_PAD = 0xcc;
/** Bits 28..24 of a hilbridge 29-bit identifier. */
export const CAN_EXT_TAG = 0x1b;
/** Node id ranges per identifier format. */
export const CAN_STD_MAX_NODE = 31;
export const CAN_EXT_MAX_NODE = 254;
/** Segment index modulus per identifier format. */
export const CAN_STD_INDEX_MOD = 32;
export const CAN_EXT_INDEX_MOD = 32768;

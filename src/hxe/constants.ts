/**
 * HXE format constants, byte for byte as ../shared/specs/hxe-format.md and the
 * original toolchain define them. All multi-byte integers are big-endian.
 * Parser, streaming verifier and writer all take their numbers from here.
 */

export const HXE_MAGIC = 0x48535845; // "HSXE"
export const HXE_VERSION_1 = 1;
export const HXE_VERSION_2 = 2;

export const HEADER_V1_SIZE = 32;
export const HEADER_V2_SIZE = 96;

/** Header field offsets (v1 fields are shared by v2). */
export const Off = {
  magic: 0x00,
  version: 0x04,
  flags: 0x06,
  entry: 0x08,
  codeLen: 0x0c,
  roLen: 0x10,
  bssSize: 0x14,
  reqCaps: 0x18,
  crc32: 0x1c,
  // v2 only
  appName: 0x20,
  metaOffset: 0x40,
  metaCount: 0x44,
  reserved: 0x48,
} as const;

export const APP_NAME_SIZE = 32;
export const APP_NAME_MAX_CHARS = 31;
export const RESERVED_SIZE = 24;

/** The CRC covers header bytes [0, CRC_HEADER_SPAN) and everything after the header. */
export const CRC_HEADER_SPAN = 0x1c;

/** code_len, ro_len and bss_size are each limited to the VM's 64 KiB address space. */
export const MAX_SEGMENT_SIZE = 0x10000;

/** The metadata region a board retains while it verifies an image (the streaming verifier's cap). */
export const MAX_METADATA_BYTES = 64 * 1024;

/**
 * The longest HXE image any board accepts: a v2 header, code and rodata at
 * their 64 KiB limits, and metadata at its cap. Host commands never read more
 * of a file that claims to be an image.
 */
export const MAX_HXE_FILE_SIZE = HEADER_V2_SIZE + 2 * MAX_SEGMENT_SIZE + MAX_METADATA_BYTES;

/** Header flags. */
export const HeaderFlag = {
  manifest: 0x0001,
  allowMultipleInstances: 0x0002,
} as const;

/** Metadata section table. */
export const SECTION_ENTRY_SIZE = 16;
export const SectionType = {
  value: 1,
  cmd: 2,
  mailbox: 3,
} as const;
export type SectionType = (typeof SectionType)[keyof typeof SectionType];

export const VALUE_ENTRY_SIZE = 20;
export const CMD_ENTRY_SIZE = 16;
export const LEGACY_MAILBOX_ENTRY_SIZE = 16;

export const ValueFlag = {
  ro: 0x01,
  persist: 0x02,
  sticky: 0x04,
  pin: 0x08,
  bool: 0x10,
} as const;

export const CmdFlag = {
  pin: 0x01,
  async: 0x02,
} as const;

export const AuthLevel = ['PUBLIC', 'USER', 'ADMIN', 'FACTORY'] as const;
export type AuthLevelName = (typeof AuthLevel)[number];

/** persist_key 0 = not persisted; 0xFFFF is reserved. */
export const PERSIST_KEY_NONE = 0x0000;
export const PERSIST_KEY_RESERVED = 0xffff;

/** Capability bits of req_caps (higher bits reserved). */
export const Capability = {
  mailbox: 0x01,
  valueCmd: 0x02,
  fram: 0x04,
  can: 0x08,
  uart: 0x10,
} as const;
export type CapabilityName = keyof typeof Capability;
export const KNOWN_CAPABILITIES = 0x1f;
/** The bits of a capability mask that req_caps may name (16..31 are the loader's own, e.g. INFO's bundle bit: never an app's). */
export const APP_CAPABILITY_BITS = 0xffff;

/** Mailbox mode bits. */
export const MailboxMode = {
  RDONLY: 0x01,
  WRONLY: 0x02,
  RDWR: 0x03,
  TAP: 0x04,
  FANOUT: 0x08,
  FANOUT_DROP: 0x10,
  FANOUT_BLOCK: 0x20,
} as const;
export type MailboxModeName = keyof typeof MailboxMode;
export const MAILBOX_DEFAULT_CAPACITY = 64;
export const MAILBOX_TARGET_PREFIXES = ['svc:', 'pid:', 'app:', 'shared:'] as const;

/**
 * The decoded view of a verified HXE image. Field names follow the
 * `hilbridge inspect --json` keys; absent strings are null, as the reference
 * loader reports them.
 */

/** Header fields as stored (numbers only), readable even when the image is later rejected. */
export interface HxeHeaderFields {
  /** 1 or 2. */
  readonly version: number;
  readonly flags: number;
  /** Entry point, byte offset into code. */
  readonly entry: number;
  readonly codeLen: number;
  readonly roLen: number;
  readonly bssSize: number;
  /** Capability bitmask the target must offer (see Capability in constants.ts). */
  readonly reqCaps: number;
  /** CRC-32 stored in the header. */
  readonly crc32: number;
  /** v2: file offset of the metadata section table (0 = none); v1: 0. */
  readonly metaOffset: number;
  /** v2: number of 16-byte section table entries; v1: 0. */
  readonly metaCount: number;
  /** 32 (v1) or 96 (v2). */
  readonly headerSize: number;
}

export interface HxeValue {
  readonly groupId: number;
  readonly valueId: number;
  /** ValueFlag bits. */
  readonly flags: number;
  /** 0 PUBLIC, 1 USER, 2 ADMIN, 3 FACTORY. */
  readonly authLevel: number;
  /** Initial value, raw f16 bit pattern. */
  readonly initRaw: number;
  /** Initial value decoded from f16. */
  readonly init: number;
  readonly name: string | null;
  readonly unit: string | null;
  readonly epsilonRaw: number;
  readonly minRaw: number;
  readonly maxRaw: number;
  /** 0 = not persisted. */
  readonly persistKey: number;
  readonly groupName: string | null;
}

export interface HxeCommand {
  readonly groupId: number;
  readonly cmdId: number;
  /** CmdFlag bits. */
  readonly flags: number;
  readonly authLevel: number;
  /** Byte offset of the handler in code. */
  readonly handlerOffset: number;
  readonly name: string | null;
  readonly help: string | null;
  readonly groupName: string | null;
}

export interface HxeMailboxBinding {
  readonly pid: number;
  readonly flags: number;
}

export interface HxeMailbox {
  /** Namespaced target ("svc:", "pid:", "app:", "shared:"); legacy entries carry their plain name. */
  readonly target: string;
  /** Bytes; 0 or absent in the image means the default 64. */
  readonly capacity: number;
  /** MailboxMode bits. */
  readonly modeMask: number;
  readonly ownerPid: number | null;
  readonly bindings: readonly HxeMailboxBinding[];
}

/** Which encoding the .mailbox section used; 'none' when the image has no .mailbox section. */
export type MailboxForm = 'none' | 'json' | 'legacy';

export interface HxeMetadata {
  readonly values: readonly HxeValue[];
  readonly commands: readonly HxeCommand[];
  readonly mailboxes: readonly HxeMailbox[];
  readonly mailboxForm: MailboxForm;
}

/** A verified image: header, checksums and decoded metadata. Code and rodata are not kept. */
export interface HxeImage extends HxeHeaderFields, HxeMetadata {
  /** app_name with surrounding whitespace stripped; null when empty or v1. */
  readonly appName: string | null;
  /** v2: flags bit 1; v1: always true. */
  readonly allowMultipleInstances: boolean;
  /** File size in bytes. */
  readonly size: number;
  /** CRC-32 computed over bytes 0x00-0x1b and everything after the header (equals crc32). */
  readonly computedCrc32: number;
  /** SHA-256 of the whole file, lowercase hex. */
  readonly sha256: string;
}

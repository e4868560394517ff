/** The FRAM map: a plain JSON-able description of a FRAM image, every item with its byte offset. */
import type { PartitionName, SlotId } from './layout.js';
import type { ByteRange } from '../util/ranges.js';
import type { RecordStatus } from './record.js';
import type { Settings } from './settings.js';
import type { ImageOrigin, SlotProblem } from './slot.js';
import type { SuperblockState } from './superblock.js';
import type { TrustArea } from './trust.js';

export interface MapFinding {
  /** info: explained (an interrupted write, a reused slot); error: not explainable by a power cut. */
  readonly severity: 'info' | 'error';
  readonly code: string;
  readonly offset: number;
  readonly message: string;
}

export interface MapCopy {
  readonly copy: 0 | 1;
  readonly offset: number;
  readonly status: RecordStatus;
  readonly seq: number | null;
  readonly newest: boolean;
}

export interface MapSuperblock extends MapCopy {
  readonly state: SuperblockState | null;
}

export interface MapSlot {
  readonly slot: SlotId;
  readonly headerOffset: number;
  readonly dataOffset: number;
  readonly capacity: number;
  readonly headerStatus: RecordStatus;
  readonly role: 'active' | 'previous' | 'none';
  readonly appName: string | null;
  readonly size: number | null;
  /** Hex, e.g. "0x1a2b3c4d". */
  readonly crc32: string | null;
  readonly sha256: string | null;
  readonly generation: number | null;
  readonly source: ImageOrigin | null;
  /** Header valid and the bytes match its CRC-32 and SHA-256 (and the superblock's generation for active/previous). */
  readonly verified: boolean;
  readonly problem: SlotProblem | null;
  /** For the active slot: trial (unconfirmed) or confirmed, and trial boots so far. */
  readonly trial: boolean | null;
  readonly bootAttempts: number | null;
}

export interface MapValueRecord {
  readonly offset: number;
  readonly cell: number;
  readonly status: RecordStatus;
  readonly persistKey: number | null;
  readonly length: number;
  readonly seq: number;
  readonly payload: string;
  /** Raw f16 (big-endian u16) when the record holds 2 bytes. */
  readonly f16: number | null;
}

export interface FramMap {
  readonly size: number;
  readonly layoutVersion: number;
  readonly partitions: readonly { readonly id: number; readonly name: PartitionName; readonly offset: number; readonly length: number }[];
  readonly partitionTable: { readonly offset: number; readonly status: RecordStatus; readonly matchesLayout: boolean };
  readonly superblocks: readonly MapSuperblock[];
  readonly resetPending: boolean;
  readonly slots: readonly MapSlot[];
  readonly staging: (MapCopyGroup & { readonly slot: SlotId; readonly size: number; readonly sha256: string; readonly source: ImageOrigin | null; readonly held: readonly ByteRange[]; readonly missing: readonly ByteRange[] }) | null;
  readonly values: readonly MapValueRecord[];
  readonly wear: readonly { readonly partition: PartitionName; readonly bytes: number; readonly writes: number }[];
  readonly settings: Settings & { readonly stored: boolean };
  readonly trust: (TrustArea & { readonly offset: number }) | null;
  readonly findings: readonly MapFinding[];
  /** An image would boot (the active one, or the previous as fallback). */
  readonly bootable: boolean;
  /** Formatted with no image committed: not bootable, and not corrupt. */
  readonly empty: boolean;
}

export interface MapCopyGroup {
  readonly copies: readonly MapCopy[];
}

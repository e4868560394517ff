/** Public API of the FRAM layer (docs/fram.md). */
export { Fram } from './fram.js';
export { FramError, type FramErrorCode } from './errors.js';
export { type FramDevice, type FramReader, type FramDeviceOptions, MAX_FRAM_SIZE, MIN_FRAM_SIZE } from './device.js';
export { MemoryFramDevice } from './memory-device.js';
export { FileFramDevice, type FileFramOptions } from './file-device.js';
export { computeLayout, type FramLayout, type Partition, type PartitionName, type SlotId } from './layout.js';
export type { BootReport, RollbackResult } from './boot.js';
export type { SlotEvent, SlotEventKind } from './superblock.js';
export type { CommitResult, StagingRequest, StagingStatus } from './staging.js';
export type { ByteRange } from '../util/ranges.js';
export { IMAGE_ORIGINS, type ImageCheck, type ImageOrigin, type SlotHeader } from './slot.js';
export { type Settings, DEFAULT_SETTINGS } from './settings.js';
export { emptyTrust, trustStoreEmpty, IMAGE_POLICIES, MAX_TRUST_KEYS, TRUST_NAME_SIZE, type TrustArea, type TrustKey, type ImagePolicy } from './trust.js';
export type { WearCounter } from './wear.js';
export { MAX_VALUE_BYTES, type ValueRead } from './values.js';
export { DebouncedValueWriter, restorePersistedValues, isPersisted, encodeF16Record, type PersistEvent, type PersistedValueSpec, type RestoreResult } from './persist.js';
export { decodeFramMap } from './map.js';
export type { FramMap, MapFinding, MapSlot, MapValueRecord } from './map-types.js';

/**
 * SD cards (docs/sd.md): a directory or a FAT image holding images and a
 * manifest. The board boots from one (`openCard`, `bootOrder`,
 * `card.openEntry` -> an image reader); `hilbridge sd write` lays one out
 * (`planCard`, `writeCard`); `hilbridge sd check` verifies one (`checkCard`).
 */
export { SD_ERROR_CODES, SdError, type SdErrorCode } from './errors.js';
export { openCard, probeCard, entryFileName, entryLabel, type Card, type CardFormat, type OpenEntryOptions } from './card.js';
export {
  MANIFEST_FILES,
  MANIFEST_VERSION,
  MAX_ENTRIES,
  MAX_MANIFEST_BYTES,
  MAX_PATH_LENGTH,
  SdManifestSchema,
  cardPathProblem,
  manifestJsonSchema,
  manifestText,
  parseManifest,
  type CardEntry,
  type ManifestFileName,
  type SdManifest,
  type SdManifestEntry,
} from './manifest.js';
export { bootOrder, manifestFindings, type Finding } from './rules.js';
export { checkCard, type CardReport, type EntryResult } from './check.js';
export { planCard, IMAGES_DIR, MANIFEST_FILE, type CardImageInput, type CardPlan, type CardPlanOptions } from './layout.js';
export { fatFits, writeFatImage, VOLUME_ID, VOLUME_LABEL, type FatFileInput } from './fat-write.js';
export { AUTO_SIZES_MIB, fatCardImage, readCardImages, writeCard, writeDirectoryCard, type WriteCardOptions, type WrittenCard } from './write-card.js';
export { MAX_VOLUME_BYTES, MIN_VOLUME_BYTES } from './fat-layout.js';
export { FatVolume, type FatFile, type FatWalkEntry } from './fat-volume.js';
export { bytesSource, fileSource, type ByteSource } from './source.js';

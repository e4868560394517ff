/**
 * The SD card source (`hilbridge target --sd <dir|image>`): the card library
 * (src/sd: a directory or a FAT image, its manifest validated) as a boot
 * source. The card is opened when the boot sequence lists it, so a card whose
 * manifest is refused is reported as a provisioning.source event (the board
 * still boots and waits for a master); a path that cannot be a card (missing,
 * a FIFO, a file that is no FAT volume) is refused at once.
 */
import { UsageError } from '../errors.js';
import type { ImageReader } from '../image/reader.js';
import { type Card, type CardEntry, SdError, openCard, probeCard } from '../sd/index.js';
import type { ImageSource, ProvisionEntry } from './provision-source.js';

function asEntry(e: CardEntry): ProvisionEntry {
  return {
    name: e.name, path: e.path, appName: e.appName, version: String(e.version), sha256: e.sha256, size: e.size, kind: e.kind,
    priority: e.priority, nodes: e.nodes, values: e.values, fallback: e.fallback,
  };
}

/**
 * The card at `path` as a boot source. Refused at once (a UsageError, exit 2
 * at start-up) for what `sd check` refuses before the manifest, with the
 * same code: a path that cannot be read (file_unreadable), a FIFO or a
 * device (file_not_regular), a file that is not a FAT volume (sd_fat_*).
 */
export async function sdCardSource(path: string): Promise<ImageSource> {
  try {
    await probeCard(path);
  } catch (e) {
    if (e instanceof SdError) throw new UsageError(e.code, `${e.message} (--sd "${path}")`, { cause: e });
    throw e;
  }
  let card: Card | undefined;
  const byName = new Map<string, CardEntry>();
  return {
    name: path,
    async list(): Promise<readonly ProvisionEntry[]> {
      card ??= await openCard(path);
      for (const e of card.entries) byName.set(e.name, e);
      return card.entries.map(asEntry);
    },
    async open(entry: ProvisionEntry): Promise<ImageReader> {
      const e = byName.get(entry.name);
      if (card === undefined || e === undefined) throw new SdError('sd_missing_file', `SD card "${path}": no entry named "${entry.name}" (list the card first)`, { path: entry.path });
      return card.openEntry(e);
    },
    close: () => card?.close() ?? Promise.resolve(),
  };
}

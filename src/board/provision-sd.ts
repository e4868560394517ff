/**
 * The SD card source (`hilbridge target --sd <dir|image>`): the card library
 * (src/sd: a directory or a FAT image, its manifest validated) as a boot
 * source. The card is opened when the boot sequence lists it, so a card whose
 * manifest is refused is reported as a provisioning.source event (the board
 * still boots and waits for a master); a path that does not exist is refused
 * at once.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { ImageReader } from '../image/reader.js';
import { type Card, type CardEntry, openCard } from '../sd/index.js';
import type { ImageSource, ProvisionEntry } from './provision-source.js';

function asEntry(e: CardEntry): ProvisionEntry {
  return {
    name: e.name, path: e.path, appName: e.appName, version: String(e.version), sha256: e.sha256, size: e.size, kind: e.kind,
    priority: e.priority, nodes: e.nodes, values: e.values, fallback: e.fallback,
  };
}

export async function sdCardSource(path: string): Promise<ImageSource> {
  try {
    await stat(path);
  } catch (cause) {
    throw new UsageError('file_unreadable', `SD card "${path}" cannot be read: ${cause instanceof Error ? cause.message : String(cause)}; name a directory (a mounted card) or a FAT image file`, { cause });
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
      if (card === undefined || e === undefined) throw new UsageError('sd_missing_file', `SD card "${path}": no entry named "${entry.name}" (list the card first)`);
      return card.openEntry(e);
    },
    close: () => card?.close() ?? Promise.resolve(),
  };
}

/**
 * The board's side of BOOTCFG_GET / BOOTCFG_SET (docs/protocol.md 4.3.5):
 * the boot configuration record (src/fram/bootcfg.ts) plus the boot-failure
 * limit, which is the FRAM settings' max trial boots (the number every commit
 * copies into the superblock, so the trial-boot machinery of src/fram/boot.ts
 * counts against it).
 */
import { bootConfigProblem, type BootConfig, type Fram } from '../fram/index.js';
import type { BootcfgBody, BootcfgInfoMsg } from '../protocol/messages-bootcfg.js';
import { BoardError, framOp } from './errors.js';

export function bootConfigInfo(fram: Fram): Omit<BootcfgInfoMsg, 'kind'> {
  const { config, stored } = framOp('BOOTCFG_GET', () => fram.bootConfig());
  return { stored, order: config.order, maxBootFailures: framOp('BOOTCFG_GET', () => fram.settings()).maxTrialBoots, images: config.images, failed: config.failed };
}

/**
 * Store `cfg`: the settings first (only when the limit changes), then the
 * configuration record, each a two-copy write. A cut between the two leaves
 * the new limit with the old order and images; the host got no OK and sends
 * the same request again. A new configuration clears the failed list: every
 * image gets a new chance, and a stopped source is scanned again.
 */
export function storeBootConfig(fram: Fram, cfg: BootcfgBody, board: string): string {
  const next: BootConfig = { order: cfg.order, images: cfg.images, failed: [], stopped: [] };
  const problem = bootConfigProblem(next);
  if (problem !== undefined) throw new BoardError('bootcfg_invalid', `${board} refuses the boot configuration: ${problem}`);
  const s = framOp('BOOTCFG_SET', () => fram.settings());
  if (s.maxTrialBoots !== cfg.maxBootFailures) framOp('BOOTCFG_SET (settings)', () => fram.writeSettings({ ...s, maxTrialBoots: cfg.maxBootFailures }));
  framOp('BOOTCFG_SET', () => fram.writeBootConfig(next));
  return `boot configuration stored: order ${cfg.order.join(',')}, max boot failures ${cfg.maxBootFailures} (from the next image committed), images ${cfg.images.length === 0 ? 'any' : cfg.images.join(',')}`;
}

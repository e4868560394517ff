/**
 * `hilbridge bootcfg set <link> [--order host,sd,can] [--max-boot-failures N]
 * [--image <name> ...] [--any-image] [--key <file>] [--json]`: store the
 * board's boot configuration (BOOTCFG_SET, docs/protocol.md 4.3.5): the order
 * it scans its boot sources in, the trial boots before it falls back, and
 * which images it takes. Options not given keep the board's current values
 * (read with BOOTCFG_GET first). Signed with --key for a board that requires
 * authenticated commands.
 * `hilbridge bootcfg get <link> [--json]`: show it, with the images that
 * failed their trial boots. Usage errors exit 2 before the link opens; a
 * board without boot configuration (INFO capability bit 27 clear) exits 1.
 */
import type { Command } from 'commander';
import { HilbridgeError, UsageError } from '../../errors.js';
import { bootcfgGet, bootcfgSet } from '../../protocol/engine/index.js';
import { BOOTCFG_MAX_IMAGES, BOOTCFG_NAME_SIZE, BOOT_SOURCE_IDS, type BootSourceName, type BootcfgInfoMsg } from '../../protocol/messages-bootcfg.js';
import { LoaderCapability } from '../../protocol/messages-types.js';
import type { JsonLineOf } from '../json/index.js';
import { type BoardSession, emit, withPlannedBoard } from '../link-board.js';
import { addLinkOptions, planLink, type LinkCliOptions } from '../link.js';
import { wholeNumber } from '../numbers.js';
import { ExitCode, action } from '../run.js';
import { KEY_OPTION_HELP, commandSigner } from '../signing-key.js';

interface SetOptions extends LinkCliOptions {
  order?: string;
  maxBootFailures?: string;
  image?: string[];
  anyImage?: boolean;
  key?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function register(program: Command): void {
  const cmd = program.command('bootcfg').description("a board's boot configuration: the order of its boot sources, its boot-failure limit, the images it takes");
  addLinkOptions(
    cmd
      .command('set')
      .description('store the boot configuration on the board (options not given keep their values)')
      .option('--order <list>', 'boot sources in scan order, comma-separated: host (host preload), sd (SD card), can (a CAN/UART master); e.g. host,sd,can')
      .option('--max-boot-failures <n>', 'trial boots without a confirm before the board falls back to the known-good image (1..255)')
      .option('--image <name>', `an app or bundle name the board takes, in priority order (repeat, at most ${BOOTCFG_MAX_IMAGES})`, collect)
      .option('--any-image', 'take every image a source lists for the node (clears --image names)')
      .option('-k, --key <file>', KEY_OPTION_HELP),
  ).action(action((opts: SetOptions) => set(opts), (opts) => opts.json === true));
  addLinkOptions(cmd.command('get').description('show the boot configuration the board uses')).action(action((opts: LinkCliOptions) => get(opts), (opts) => opts.json === true));
}

/** --order as source names: each of host, sd, can at most once. */
export function parseOrder(text: string): BootSourceName[] {
  const parts = text.split(',').map((p) => p.trim().toLowerCase());
  const bad = parts.find((p) => !Object.hasOwn(BOOT_SOURCE_IDS, p));
  if (bad !== undefined) throw new UsageError('invalid_option', `--order ${JSON.stringify(text)}: "${bad}" is not a boot source; use host, sd and can, comma-separated`);
  if (new Set(parts).size !== parts.length) throw new UsageError('invalid_option', `--order ${JSON.stringify(text)} names a source twice`);
  return parts as BootSourceName[];
}

function imageNames(names: readonly string[]): string[] {
  if (names.length > BOOTCFG_MAX_IMAGES) throw new UsageError('invalid_option', `--image given ${names.length} times; a board keeps at most ${BOOTCFG_MAX_IMAGES} names`);
  const bad = names.find((n) => !/^[\x21-\x7e]{1,20}$/.test(n));
  if (bad !== undefined) throw new UsageError('invalid_option', `--image ${JSON.stringify(bad)}: a name is 1..${BOOTCFG_NAME_SIZE} printable ASCII characters without spaces`);
  if (new Set(names).size !== names.length) throw new UsageError('invalid_option', '--image names an image twice');
  return [...names];
}

function requireBootcfg(s: BoardSession): void {
  if ((s.peer.info.capabilities & LoaderCapability.bootcfg) >>> 0 === 0) {
    throw new HilbridgeError('bootcfg_unsupported', `${s.link.name}: this board keeps no boot configuration (INFO capabilities 0x${(s.peer.info.capabilities >>> 0).toString(16).padStart(8, '0')}, bit 27 clear); nothing was sent`);
  }
}

function line(s: BoardSession, c: BootcfgInfoMsg, message: string | null): JsonLineOf<'bootcfg'> {
  return { event: 'bootcfg', link: s.link.name, nodeId: s.peer.info.nodeId, stored: c.stored, order: [...c.order], maxBootFailures: c.maxBootFailures, images: [...c.images], failed: [...c.failed], message };
}

export function bootcfgText(link: string, c: Omit<BootcfgInfoMsg, 'kind'>): string {
  return [
    `${link}: boot configuration${c.stored ? '' : ' (none stored: the defaults)'}`,
    `  order              ${c.order.join(', ')}`,
    `  max boot failures  ${c.maxBootFailures}`,
    `  images             ${c.images.length === 0 ? 'any the source lists for the node' : c.images.join(', ')}`,
    ...(c.failed.length === 0 ? [] : [`  failed             ${c.failed.join(', ')} (not loaded again until the configuration is set anew)`]),
  ].join('\n');
}

async function set(opts: SetOptions): Promise<ExitCode> {
  const order = opts.order === undefined ? undefined : parseOrder(opts.order);
  const maxBootFailures = opts.maxBootFailures === undefined ? undefined : wholeNumber('--max-boot-failures', opts.maxBootFailures, 1, 255);
  if (opts.anyImage === true && opts.image !== undefined) throw new UsageError('invalid_option', '--any-image and --image exclude each other');
  const images = opts.anyImage === true ? [] : opts.image === undefined ? undefined : imageNames(opts.image);
  if (order === undefined && maxBootFailures === undefined && images === undefined) {
    throw new UsageError('missing_option', 'bootcfg set needs at least one of --order, --max-boot-failures, --image, --any-image');
  }
  const plan = planLink(opts);
  const signer = await commandSigner(opts.key);
  return withPlannedBoard(plan, async (s) => {
    requireBootcfg(s);
    const now = await bootcfgGet(s.link.channel, s.request);
    const message = await bootcfgSet(s.link.channel, { order: order ?? now.order, maxBootFailures: maxBootFailures ?? now.maxBootFailures, images: images ?? now.images }, s.request);
    const after = await bootcfgGet(s.link.channel, s.request);
    emit(opts.json === true, line(s, after, message), `${s.link.name}: ${message}`);
    return ExitCode.Ok;
  }, {}, { signer });
}

async function get(opts: LinkCliOptions): Promise<ExitCode> {
  return withPlannedBoard(planLink(opts), async (s) => {
    requireBootcfg(s);
    const c = await bootcfgGet(s.link.channel, s.request);
    emit(opts.json === true, line(s, c, null), bootcfgText(s.link.name, c));
    return ExitCode.Ok;
  });
}

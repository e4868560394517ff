/**
 * `hilbridge fmap <link>`: the board's FRAM partition map over the wire
 * (FMAP -> FMAP_INFO: name, offset and size of every region). The offline
 * decode of a FRAM file (`--fram`) lives in commands/fmap.ts.
 */
import { UsageError } from '../errors.js';
import { hex } from '../util/hex.js';
import { fmap } from '../protocol/engine/index.js';
import type { FramRegion } from '../protocol/messages-types.js';
import { emit, withBoard } from './link-board.js';
import type { LinkCliOptions } from './link.js';
import { ExitCode } from './run.js';
import type { JsonLineOf } from './json/index.js';

export function regionsText(link: string, framSize: number, regions: readonly FramRegion[]): string {
  return [`${link}: FRAM ${framSize} bytes, ${regions.length} regions`, ...regions.map((r) => `  ${hex(r.offset, 4)} ${String(r.size).padStart(7)}  ${r.name}`)].join('\n');
}

/** Fetch and print the FRAM map of the board on the link. */
export async function runFmapOverLink(opts: LinkCliOptions & { fram?: string }): Promise<ExitCode> {
  if (opts.uart === undefined && opts.can === undefined && opts.link === undefined) {
    throw new UsageError('missing_link', 'fmap needs --fram <file> to decode a FRAM file, or a link (--uart, --can --node, --link) to ask a board');
  }
  return withBoard(opts, async ({ link, peer, request }) => {
    const regions = await fmap(link.channel, request);
    const line: JsonLineOf<'fram_regions'> = { event: 'fram_regions', link: link.name, framSize: peer.info.framSize, regions: regions.map((r) => ({ ...r })) };
    emit(opts.json === true, line, regionsText(link.name, peer.info.framSize, regions));
    return ExitCode.Ok;
  });
}

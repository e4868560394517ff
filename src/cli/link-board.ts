/**
 * Talking to a board over the common link options: open the link (host
 * role), say HELLO, run one operation, close. Every board client command
 * (status, abort, rollback, confirm, reset, fmap, flash) goes through here,
 * so they share validation, timeouts and error reporting.
 */
import type { CommandOptions, PeerInfo } from '../protocol/engine/index.js';
import { connect } from '../protocol/engine/index.js';
import { REQUEST_TRIES, openLink, planLink } from './link.js';
import type { LinkCliOptions, LinkPlan, OpenLink, OpenLinkDeps } from './link.js';

export interface BoardSession {
  readonly link: OpenLink;
  readonly peer: PeerInfo;
  /** Options for the engine's one-shot requests (timeout per try, tries, clock). */
  readonly request: CommandOptions;
}

/** Validate the options first (so usage errors never touch a link), then open, connect and run `fn`. */
export async function withBoard<T>(opts: LinkCliOptions, fn: (s: BoardSession) => Promise<T>, deps: OpenLinkDeps = {}): Promise<T> {
  return withPlannedBoard(planLink(opts), fn, deps);
}

export async function withPlannedBoard<T>(plan: LinkPlan, fn: (s: BoardSession) => Promise<T>, deps: OpenLinkDeps = {}): Promise<T> {
  const link = await openLink(plan, 'host', deps);
  try {
    const request: CommandOptions = { scheduler: link.scheduler, timeoutMs: link.timeoutMs, tries: REQUEST_TRIES };
    const peer = await connect(link.channel, { ...request, ...(link.maxChunk === undefined ? {} : { maxChunk: link.maxChunk }) });
    return await fn({ link, peer, request });
  } finally {
    await link.close();
  }
}

/** Write one line: JSON when asked, text otherwise. */
export function emit(json: boolean, obj: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(obj) + '\n' : text + '\n');
}

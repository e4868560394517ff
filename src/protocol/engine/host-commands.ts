/**
 * One-shot host commands outside a transfer: each is one request/reply with
 * retries (request.ts; waits from the channel's round-trip estimate, doubling
 * per try: request-timing.ts). Target errors reject as TargetError, silence as
 * LinkError('peer_timeout').
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { ANY_SLOT } from '../messages-types.js';
import type { FramRegion, SessionMsg, StatusInfoMsg, TrustAddMsg, TrustInfoMsg } from '../messages-types.js';
import { WireCode } from '../messages-codes.js';
import type { FrameChannel } from '../types.js';
import { request } from './request.js';
import { signCommand, type CommandSigner } from './auth.js';
import { REQUEST_DEFAULTS } from './request-timing.js';

export interface CommandOptions {
  readonly scheduler?: SchedulerLike;
  /** First try's wait before the channel has a round-trip sample, and the least wait of any try, ms (default 500). */
  readonly timeoutMs?: number;
  /** Tries before peer_timeout, each waiting twice as long as the one before (default 4). */
  readonly tries?: number;
  /** Signs state-changing commands for a board that requires it (auth.ts): a CHALLENGE, then the command with its AUTH block. */
  readonly signer?: CommandSigner | undefined;
}

function opts(o: CommandOptions, what: string, session = 0): Parameters<typeof request>[3] {
  return { scheduler: o.scheduler ?? asyncScheduler, timeoutMs: o.timeoutMs ?? REQUEST_DEFAULTS.timeoutMs, tries: o.tries, what, session };
}

/** What the target holds of the image with this size and SHA-256 (QUERY). */
export function query(channel: FrameChannel, size: number, sha256: Uint8Array, o: CommandOptions = {}): Promise<SessionMsg> {
  return request(channel, { kind: 'query', size, sha256 }, ['session'], opts(o, 'QUERY'));
}

/** The target's state, session and slot table (STATUS). */
export function status(channel: FrameChannel, o: CommandOptions = {}): Promise<StatusInfoMsg> {
  return request(channel, { kind: 'status' }, ['status_info'], opts(o, 'STATUS'));
}

/** Go back to the previous image (ROLLBACK); slot defaults to the target's choice. */
export async function rollback(channel: FrameChannel, slot = ANY_SLOT, o: CommandOptions = {}): Promise<void> {
  await request(channel, await signCommand(channel, { kind: 'rollback', slot }, o), ['result'], opts(o, 'ROLLBACK'));
}

/**
 * What a command that may find nothing to do was answered: RESULT OK's
 * detail, and whether the target said it changed nothing (the detail starts
 * `nothing to `: docs/protocol.md 4.3). Older targets send no detail:
 * `nothingToDo` is then false, whatever happened.
 */
export interface CommandOutcome {
  readonly nothingToDo: boolean;
  /** RESULT OK's detail, e.g. "nothing to confirm: slot A (calib) is already permanent"; '' when the target gave none. */
  readonly detail: string;
}

/** The prefix of RESULT OK's detail that says the request changed nothing. */
export const NOTHING_TO_DO = 'nothing to ';

function outcome(detail: string): CommandOutcome {
  return { nothingToDo: detail.startsWith(NOTHING_TO_DO), detail };
}

/** Make a trial image permanent (CONFIRM); `nothingToDo` when it already was. */
export async function confirm(channel: FrameChannel, slot = ANY_SLOT, o: CommandOptions = {}): Promise<CommandOutcome> {
  return outcome((await request(channel, await signCommand(channel, { kind: 'confirm', slot }, o), ['result'], opts(o, 'CONFIRM'))).detail);
}

/** Erase every slot and the value store (FACTORY_RESET, with its guard word). */
export async function factoryReset(channel: FrameChannel, o: CommandOptions = {}): Promise<void> {
  await request(channel, await signCommand(channel, { kind: 'factory_reset' }, o), ['result'], opts(o, 'FACTORY_RESET'));
}

/** The FRAM map (FMAP). */
export async function fmap(channel: FrameChannel, o: CommandOptions = {}): Promise<readonly FramRegion[]> {
  return (await request(channel, { kind: 'fmap' }, ['fmap_info'], opts(o, 'FMAP'))).regions;
}

/** Abort `session` (or whatever the target is receiving) and make the target free it (ABORT outside a transfer); `nothingToDo` when there was no session and nothing staged. */
export async function abortSession(channel: FrameChannel, session = 0, o: CommandOptions = {}): Promise<CommandOutcome> {
  return outcome((await request(channel, await signCommand(channel, { kind: 'abort', code: WireCode.ECANCELED, detail: 'aborted by the host' }, o), ['result'], opts(o, 'ABORT', session))).detail);
}

/** The board's trust store: board id, image policy, security counter, vendor, board class, key ids (TRUST_LIST). */
export function trustList(channel: FrameChannel, o: CommandOptions = {}): Promise<TrustInfoMsg> {
  return request(channel, { kind: 'trust_list' }, ['trust_info'], opts(o, 'TRUST_LIST'));
}

/** Provision an empty trust store with its first key (TRUST_ADD); a provisioned board refuses with auth_required. Resolves with RESULT OK's detail. */
export async function trustAdd(channel: FrameChannel, req: Omit<TrustAddMsg, 'kind'>, o: CommandOptions = {}): Promise<string> {
  return (await request(channel, await signCommand(channel, { kind: 'trust_add', ...req }, o), ['result'], opts(o, 'TRUST_ADD'))).detail;
}

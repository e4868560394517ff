/**
 * The target's answers to the board commands and queries that need no
 * receive session of their own (docs/protocol.md 4.3, 4.3.3-4.3.5, 9.1):
 * CHALLENGE, AUDIT, SIGS, STATUS, ROLLBACK, CONFIRM, FACTORY_RESET, FMAP,
 * TRUST_LIST, TRUST_ADD, BOOTCFG_GET and BOOTCFG_SET. Each asks the board and
 * answers in one message; a board without the feature answers ENOTSUP.
 * Authorisation happened before (target.ts); the commands that change what
 * the board holds are refused while a session is open (the receiver's EBUSY).
 */
import { FRAME_OVERHEAD } from '../constants.js';
import { WireCode } from '../messages-codes.js';
import type { Message } from '../messages-types.js';
import type { BoardControl, ImageSink } from '../image-sink.js';
import type { ReceiveError, ReceiveSession } from './receiver.js';
import { fitStatus, fitTrust } from './status-fit.js';
import { sigsReply } from './target-delta.js';
import type { TargetState } from './target-types.js';

export const MAX_DETAIL = 200;

export type CommandMessage = Extract<
  Message,
  { kind: 'challenge' | 'audit' | 'sigs' | 'status' | 'rollback' | 'confirm' | 'factory_reset' | 'fmap' | 'trust_list' | 'trust_add' | 'bootcfg_get' | 'bootcfg_set' }
>;

export interface CommandContext {
  readonly board: ImageSink & BoardControl;
  readonly maxFrame: number;
  /** The open receive session, its state and id (STATUS reports them). */
  readonly session: ReceiveSession | undefined;
  readonly state: TargetState;
  readonly sessionId: number;
  /** Why a command that changes what the board holds must wait (a session is open), if it must. */
  refusal(what: 'ROLLBACK' | 'CONFIRM' | 'FACTORY_RESET' | 'TRUST_ADD'): ReceiveError | undefined;
}

export function result(code: number, detail = '', offset?: number): Message {
  return { kind: 'result', code, offset, detail };
}

/** The answer to one command; throws the refusal (the caller answers it as RESULT). */
export async function answerCommand(ctx: CommandContext, msg: CommandMessage): Promise<Message> {
  const { board } = ctx;
  switch (msg.kind) {
    case 'challenge':
      if (board.challenge === undefined) return result(WireCode.ENOTSUP, 'this target has no authenticated commands');
      return { kind: 'nonce', ...(await board.challenge()) };
    case 'audit':
      if (board.audit === undefined) return result(WireCode.ENOTSUP, 'this target keeps no audit trail');
      return { kind: 'audit_info', entries: await board.audit() };
    case 'sigs':
      if (board.delta === undefined) return result(WireCode.ENOTSUP, 'this target does not copy from its active slot nor decode compressed chunks');
      return sigsReply(board.delta, msg, ctx.maxFrame);
    case 'status': {
      const st = await board.status();
      const s = ctx.session;
      return fitStatus({
        kind: 'status_info', state: s ? ctx.state : st.state, session: ctx.sessionId,
        size: s?.size ?? 0, held: s?.held.total ?? 0, slots: st.slots, bootCount: st.bootCount, lastError: st.lastError,
        ...(st.damage === undefined || st.damage.length === 0 ? {} : { damage: st.damage }),
        ...(st.lastEvent === undefined ? {} : { lastEvent: st.lastEvent }),
        ...(st.staged === undefined || s !== undefined ? {} : { staged: st.staged }),
        ...(st.bundle === undefined ? {} : { bundle: st.bundle }),
        ...(st.origin === undefined ? {} : { origin: st.origin }),
      }, ctx.maxFrame - FRAME_OVERHEAD);
    }
    case 'rollback':
    case 'confirm':
    case 'factory_reset': {
      const refused = ctx.refusal(msg.kind === 'rollback' ? 'ROLLBACK' : msg.kind === 'confirm' ? 'CONFIRM' : 'FACTORY_RESET');
      if (refused !== undefined) throw refused;
      let note: string | undefined;
      if (msg.kind === 'rollback') await board.rollback(msg.slot);
      else if (msg.kind === 'confirm') note = await board.confirm(msg.slot);
      else await board.factoryReset();
      return result(WireCode.OK, (note ?? '').slice(0, MAX_DETAIL));
    }
    case 'fmap':
      return { kind: 'fmap_info', regions: await board.fmap() };
    case 'trust_list':
      if (board.trustList === undefined) return result(WireCode.ENOTSUP, 'this target keeps no trust store');
      return fitTrust({ kind: 'trust_info', ...(await board.trustList()) }, ctx.maxFrame - FRAME_OVERHEAD);
    case 'trust_add': {
      if (board.trustAdd === undefined) return result(WireCode.ENOTSUP, 'this target keeps no trust store');
      const refused = ctx.refusal('TRUST_ADD');
      if (refused !== undefined) throw refused;
      const { kind: _kind, ...req } = msg; // the AUTH block goes along: the board adds a further key only after authorising it
      return result(WireCode.OK, (await board.trustAdd(req)).slice(0, MAX_DETAIL));
    }
    case 'bootcfg_get':
      if (board.bootConfig === undefined) return result(WireCode.ENOTSUP, 'this target keeps no boot configuration');
      return { kind: 'bootcfg_info', ...(await board.bootConfig()) };
    case 'bootcfg_set': {
      if (board.setBootConfig === undefined) return result(WireCode.ENOTSUP, 'this target keeps no boot configuration');
      const { kind: _k, auth: _a, ...cfg } = msg;
      return result(WireCode.OK, (await board.setBootConfig(cfg)).slice(0, MAX_DETAIL));
    }
  }
}

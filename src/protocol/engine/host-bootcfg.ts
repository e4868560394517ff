/**
 * The host's boot configuration commands (docs/protocol.md 4.3.5):
 * BOOTCFG_GET and BOOTCFG_SET, one request each with the retries of
 * request.ts; BOOTCFG_SET is signed for a board that requires it (auth.ts).
 */
import { asyncScheduler } from 'rxjs';
import type { BootcfgBody, BootcfgInfoMsg } from '../messages-bootcfg.js';
import type { FrameChannel } from '../types.js';
import { signCommand } from './auth.js';
import type { CommandOptions } from './host-commands.js';
import { request } from './request.js';
import { REQUEST_DEFAULTS } from './request-timing.js';

function opts(o: CommandOptions, what: string): Parameters<typeof request>[3] {
  return { scheduler: o.scheduler ?? asyncScheduler, timeoutMs: o.timeoutMs ?? REQUEST_DEFAULTS.timeoutMs, tries: o.tries, what, session: 0 };
}

/** The boot configuration the board uses (BOOTCFG_GET). */
export function bootcfgGet(channel: FrameChannel, o: CommandOptions = {}): Promise<BootcfgInfoMsg> {
  return request(channel, { kind: 'bootcfg_get' }, ['bootcfg_info'], opts(o, 'BOOTCFG_GET'));
}

/** Store a boot configuration on the board (BOOTCFG_SET); resolves with RESULT OK's detail. */
export async function bootcfgSet(channel: FrameChannel, cfg: BootcfgBody, o: CommandOptions = {}): Promise<string> {
  const msg = await signCommand(channel, { kind: 'bootcfg_set' as const, ...cfg }, o);
  return (await request(channel, msg, ['result'], opts(o, 'BOOTCFG_SET'))).detail;
}

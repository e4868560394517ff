/**
 * `hilbridge status <link> [--json]`: what the board runs and holds: loader
 * state, the active image (slot, app, size, CRC-32, SHA-256), every slot, boot
 * count and the last load error; when the active slot holds a bundle, its name,
 * security counter, segments and the apps it runs. Exit 0, 3 when the board
 * does not answer.
 */
import type { Command } from 'commander';
import { slotLetter } from '../../protocol/messages-types.js';
import type { SlotEventInfo, SlotInfo, StatusInfoMsg } from '../../protocol/messages-types.js';
import { auditTrail, status } from '../../protocol/engine/index.js';
import { auditJson, auditText } from '../audit-text.js';
import { hex } from '../../util/hex.js';
import { emit, withBoard } from '../link-board.js';
import { crc32Hex } from '../json/index.js';
import type { JsonLineOf } from '../json/index.js';
import { addLinkOptions } from '../link.js';
import type { LinkCliOptions } from '../link.js';
import { ExitCode, action } from '../run.js';

export function register(program: Command): void {
  addLinkOptions(program.command('status').description("show the board's state, active image, slots, boot count and last error"))
    .option('--audit', "also show the board's audit trail: its last security events (authenticated commands accepted and refused, trust changes)")
    .action(action((opts: StatusOptions) => run(opts), (opts) => opts.json === true));
}

const hex32 = (n: number | undefined): string | null => (n === undefined ? null : hex(n >>> 0, 8));

function slotJson(s: SlotInfo): NonNullable<JsonLineOf<'status'>['active']> {
  return { slot: s.slot, state: s.state, appName: s.app ?? null, size: s.size ?? null, fileCrc32: s.crc32 === undefined ? null : crc32Hex(s.crc32), sha256: s.sha256 ?? null };
}

/** The `--json` object of a STATUS reply. */
export function statusJson(link: string, identity: string, st: StatusInfoMsg): JsonLineOf<'status'> {
  const active = st.slots.find((s) => s.state === 'active' || s.state === 'trial');
  return {
    event: 'status',
    link,
    identity,
    state: st.state,
    trial: active?.state === 'trial',
    active: active === undefined ? null : slotJson(active),
    slots: st.slots.map(slotJson),
    bootCount: st.bootCount ?? null,
    lastError: st.lastError == null ? null : { ...st.lastError },
    damage: (st.damage ?? []).map((d) => ({ ...d })),
    session: st.session === 0 ? null : { id: st.session, size: st.size, held: st.held },
    lastEvent: st.lastEvent === undefined ? null : { ...st.lastEvent, message: slotEventText(st.lastEvent).text },
    staged: st.staged ?? null,
    ...(st.origin === undefined ? {} : { origin: { source: st.origin.source, path: st.origin.path ?? null } }),
    bundle: st.bundle === undefined ? null : { ...st.bundle, segments: st.bundle.segments.map((g) => ({ name: g.name, kind: g.kind, size: g.size, sha256: g.sha256 ?? null })), apps: [...st.bundle.apps] },
  };
}

const named = (app: string | undefined, slot: number): string => `${app ?? 'the image'} (slot ${slotLetter(slot)})`;

/** A fallback or rollback in words: its label (`last fallback`, `last rollback`) and what happened. */
export function slotEventText(e: SlotEventInfo): { label: string; text: string } {
  const from = named(e.fromApp, e.from);
  const to = named(e.toApp, e.to);
  switch (e.kind) {
    case 'trial_exhausted':
      return { label: 'last fallback', text: `trial of ${from} failed ${e.boots ?? '?'} boots without being confirmed, back to ${to}` };
    case 'active_corrupt':
      return { label: 'last fallback', text: `${from} did not verify at boot, back to ${to}` };
    case 'rollback':
      return { label: 'last rollback', text: `from ${from} to ${to}, asked by the host` };
    default:
      return { label: 'last fallback', text: `${e.kind}: from ${from} to ${to}` };
  }
}

function slotLine(s: SlotInfo): string {
  const image = s.app !== undefined || s.size !== undefined ? ` ${s.app ?? '(unnamed)'}, ${s.size ?? '?'} bytes, crc32 ${hex32(s.crc32) ?? '?'}` : '';
  return `  slot ${slotLetter(s.slot)}  ${s.state.padEnd(8)}${image}${s.sha256 ? `, sha256 ${s.sha256}` : ''}`.trimEnd();
}

/** Human text of a STATUS reply. */
export function statusText(link: string, identity: string, st: StatusInfoMsg): string {
  const active = st.slots.find((s) => s.state === 'active' || s.state === 'trial');
  const lines = [
    `${link}: ${identity}, state ${st.state}`,
    `active      ${active === undefined ? 'none' : `slot ${slotLetter(active.slot)}${active.state === 'trial' ? ' (trial, not confirmed)' : ''}: ${active.app ?? '(unnamed)'}`}`,
    ...(st.origin === undefined ? [] : [`origin      ${st.origin.source}${st.origin.path === undefined ? '' : ` ${st.origin.path}`}`]),
    `boot count  ${st.bootCount ?? 'not reported'}`,
    `last error  ${st.lastError === undefined ? 'not reported' : st.lastError === null ? 'none' : `[${st.lastError.code}] ${st.lastError.message}`}`,
  ];
  for (const d of st.damage ?? []) lines.push(`DAMAGE      [${d.code}] at 0x${d.offset.toString(16)}: ${d.message}`);
  if (st.lastEvent !== undefined) {
    const e = slotEventText(st.lastEvent);
    lines.push(`${e.label} ${e.text}`);
  }
  if (st.session !== 0) lines.push(`session     ${st.session}: ${st.held} of ${st.size} bytes held`);
  if (st.staged !== undefined) {
    lines.push(`staged      slot ${slotLetter(st.staged.slot)}: ${st.staged.held} of ${st.staged.size} bytes held, nothing committed (flash --resume sends the rest, abort discards them)`);
  }
  if (st.bundle !== undefined) {
    const b = st.bundle;
    lines.push(`bundle      "${b.name}", security counter ${b.securityCounter}, ${b.segments.length} segments, runs ${b.apps.join(', ') || 'no app'}`);
    b.segments.forEach((g, i) => lines.push(`  segment ${i + 1} ${g.name} (${g.kind}), ${g.size} bytes${g.sha256 === undefined ? '' : `, sha256 ${g.sha256}`}`));
  }
  lines.push('slots', ...st.slots.map(slotLine));
  return lines.join('\n');
}

interface StatusOptions extends LinkCliOptions {
  audit?: boolean;
}

async function run(opts: StatusOptions): Promise<ExitCode> {
  return withBoard(
    opts,
    async ({ link, peer, request, baud }) => {
      const st = await status(link.channel, request);
      const json: JsonLineOf<'status'> = { ...statusJson(link.name, peer.info.identity, st), ...(baud === undefined ? {} : { lineRate: baud.rate }) };
      emit(opts.json === true, json, statusText(link.name, peer.info.identity, st) + (baud === undefined ? '' : `\nline rate   ${baud.rate} bit/s`));
      if (opts.audit === true) {
        const line = auditJson(link.name, peer.info.nodeId, await auditTrail(link.channel, request));
        emit(opts.json === true, line, auditText(line));
      }
      return ExitCode.Ok;
    },
    {},
    { switchBaud: true },
  );
}

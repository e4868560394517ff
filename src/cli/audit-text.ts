/** `status --audit`: the board's audit ring as a JSON line and as text. */
import { commandName } from '../protocol/messages-auth.js';
import { wireCodeName } from '../protocol/messages-codes.js';
import type { AuditEntryWire } from '../protocol/messages-types.js';
import type { JsonLineOf } from './json/index.js';

const KINDS: Record<number, string> = { 1: 'accepted', 2: 'refused', 3: 'trust_changed' };

export function auditJson(link: string, nodeId: number, entries: readonly AuditEntryWire[]): JsonLineOf<'audit'> {
  return {
    event: 'audit',
    link,
    nodeId,
    entries: entries.map((e) => ({
      seq: e.seq,
      powerOn: e.boot,
      kind: KINDS[e.kind] ?? `kind_${e.kind}`,
      command: commandName(e.type),
      code: wireCodeName(e.code),
      keyId: /^0+$/.test(e.keyId) ? null : e.keyId,
    })),
  };
}

export function auditText(a: JsonLineOf<'audit'>): string {
  if (a.entries.length === 0) return 'audit trail  empty (no authenticated command and no trust change recorded)';
  const lines = [`audit trail  ${a.entries.length} events, oldest first`];
  for (const e of a.entries) lines.push(`  #${e.seq} power-on ${e.powerOn}  ${e.kind.padEnd(13)} ${e.command.padEnd(13)} ${e.code.padEnd(13)} key ${e.keyId ?? '-'}`);
  return lines.join('\n');
}

/** A virtual board's local report as lines a bench engineer reads (hilbridge demo prints it); the data comes from src/board/board-report.ts. */
import { capabilityNames } from '../hxe/policy.js';
import { hex } from '../util/hex.js';
import { LoaderCapability, takesBundles } from '../protocol/messages-types.js';
import type { BoardReport } from '../board/board-report.js';

const hex8 = (n: number): string => hex(n >>> 0, 8);

export function formatReport(r: BoardReport, indent = '  '): string {
  const lines: string[] = [];
  lines.push(`${r.identity} (node ${r.nodeId}), FRAM ${r.framSize} bytes, caps ${capabilityNames(r.capabilities & ~LoaderCapability.bundle).join(',') || 'none'}${takesBundles(r.capabilities) ? ', takes bundles' : ''}`);
  lines.push(`loader ${r.state}${r.recovery === null ? '' : ` (recovery: ${r.recovery})`}`);
  if (r.active === null) lines.push('active slot: none');
  else {
    const trial = r.trial ? `TRIAL, boot ${r.bootAttempt} of ${r.maxTrialBoots}: confirm it or it falls back` : 'confirmed';
    lines.push(`active slot: ${r.active} (${trial})`);
  }
  for (const s of r.slots) {
    const what = s.appName === null && s.size === null ? '' : ` ${s.appName ?? '(unnamed)'} ${s.size ?? '?'} B crc32 ${s.crc32 === null ? '?' : hex8(s.crc32)}`;
    const src = s.source === null ? '' : ` from ${s.source}`;
    lines.push(`slot ${s.slot}: ${s.state}${what}${src}${s.verified ? ', verified' : ''}`);
    if (s.sha256 !== null && (s.state === 'active' || s.state === 'trial' || s.state === 'previous')) lines.push(`        sha256 ${s.sha256}`);
  }
  if (r.bundle !== null) {
    const b = r.bundle;
    lines.push(`bundle "${b.name}", security counter ${b.securityCounter}, ${b.segments.length} segments, runs ${b.apps.join(', ') || 'no app'}`);
    for (const s of b.segments) lines.push(`  segment ${s.name} (${s.kind}) ${s.size} B${s.sha256 === undefined ? '' : ` sha256 ${s.sha256}`}`);
  }
  for (const a of r.apps) {
    lines.push(`app ${a.instance} pid ${a.pid} (${a.slot === null ? 'resident' : `slot ${a.slot}`}${a.source === null ? '' : `, ${a.source}`}): ${a.commands.length} commands, ${a.mailboxes.length} mailboxes`);
    for (const v of a.values) {
      const origin = !v.persisted ? 'init' : v.origin === 'persisted' ? `restored from FRAM (key 0x${v.persistKey.toString(16).padStart(4, '0')})` : `init, nothing restored: ${v.fallback ?? 'missing'} (key 0x${v.persistKey.toString(16).padStart(4, '0')})`;
      lines.push(`  value ${v.groupId}.${v.valueId} ${v.name ?? '(unnamed)'} = ${v.value}${v.unit === null ? '' : ` ${v.unit}`} [${origin}]`);
    }
  }
  if (r.lastError !== null) lines.push(`last error: [${r.lastError.code}] ${r.lastError.message}`);
  for (const e of r.framErrors) lines.push(`FRAM: ${e}`);
  return lines.map((l) => indent + l).join('\n') + '\n';
}

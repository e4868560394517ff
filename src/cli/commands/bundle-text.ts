/** A bundle's manifest in words, as image build, image verify and inspect print it. */
import type { BundleInfo } from '../../bundle/index.js';
import { hex } from '../../util/hex.js';

export function signerText(info: BundleInfo): string {
  return info.signature ? `signed by ed25519 key ${info.signature.keyId}` : 'unsigned';
}

/** The manifest in lines, as build, verify and inspect print it. */
export function describe(info: BundleInfo): string[] {
  const m = info.manifest;
  const lines = [
    `  name          ${m.name}`,
    `  vendor        ${m.vendor || '(none)'}`,
    `  board class   ${m.boardClass || '(none)'}`,
    `  security      counter ${m.securityCounter}`,
    `  content       sha256 ${m.contentSha256}`,
    `  signer        ${info.signature ? `ed25519 key ${info.signature.keyId}, public key ${info.signature.publicKey}` : 'none (unsigned)'}`,
    `  segments (${m.segments.length})`,
  ];
  const width = Math.max(...m.segments.map((s) => s.name.length));
  for (const s of m.segments) lines.push(`    ${s.kind.padEnd(6)} ${s.name.padEnd(width)} ${String(s.size).padStart(8)} B at ${hex(s.offset)} sha256 ${s.sha256}`);
  return lines;
}

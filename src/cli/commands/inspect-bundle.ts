/**
 * `inspect` on a bundle: the manifest, the segments and the signer, then each
 * hxe segment's usual inspect output (its path `<bundle>#<segment>`). The
 * bundle is streamed through the verifier; the signature is checked against
 * the key in the trailer (which key to trust is `image verify --pub`'s job).
 */
import type { BundleStreamVerifier, BundleInfo } from '../../bundle/index.js';
import { asHilbridgeError, type HilbridgeError } from '../../errors.js';
import { bundleSummary, lineText, manifestLine } from '../json/index.js';
import { ExitCode, exitCodeFor } from '../run.js';
import { verifyBundleFile } from './bundle-files.js';
import { describe, signerText } from './bundle-text.js';
import { formatHuman, toJson } from './inspect.js';

export async function inspectBundle(path: string, json: boolean): Promise<ExitCode> {
  let verifier: BundleStreamVerifier | undefined;
  let info: BundleInfo;
  try {
    info = await verifyBundleFile(path, undefined, (v) => (verifier = v));
  } catch (e) {
    const err: HilbridgeError = asHilbridgeError(e);
    const manifest = verifier?.manifest;
    if (json) {
      const offset = (err as { offset?: number }).offset ?? null;
      process.stdout.write(lineText({ event: 'bundle', path, valid: false, error: { code: err.code, message: err.message, offset }, size: verifier?.totalSize ?? 0, sha256: null, manifest: manifest ? manifestLine(manifest) : null, signer: null }));
    } else {
      process.stdout.write(`${path}: INVALID bundle [${err.code}] ${err.message}\n`);
    }
    return exitCodeFor(err);
  }
  if (json) process.stdout.write(lineText({ event: 'bundle', path, valid: true, error: null, ...bundleSummary(info) }));
  else process.stdout.write(`${path}: valid bundle "${info.manifest.name}" (format ${info.manifest.formatVersion}), ${info.size} bytes, sha256 ${info.sha256}, ${signerText(info)}\n${describe(info).join('\n')}\n`);
  for (const [name, image] of info.hxe) {
    const r = { valid: true as const, error: null, image };
    process.stdout.write(json ? lineText(toJson(r, `${path}#${name}`, null)) : formatHuman(`${path}#${name}`, r));
  }
  return ExitCode.Ok;
}

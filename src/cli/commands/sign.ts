/**
 * `hilbridge sign <image|bundle> [--key <file>] [--out <file>] [--json]`:
 * sign an existing bundle (its trailer added or replaced, another key's
 * only with --replace; in place unless --out, atomically) or an HXE image (made a one-segment signed bundle at
 * --out, default <image minus .hxe>.hxb, with --security-counter,
 * --board-class, --vendor, --name). The key comes from --key or, without it,
 * HILBRIDGE_SIGNING_KEY (PEM text or a 64-hex seed); never from a prompt,
 * never printed. Exit 0 signed, 1 the input fails its checks, 2 usage or I/O.
 */
import type { Command } from 'commander';
import { BundleError, buildBundle, isBundleHead, signBundle, type BundleInfo } from '../../bundle/index.js';
import { UsageError } from '../../errors.js';
import { readHostFile } from '../../image/host-file.js';
import { hasHxeMagic } from '../../hxe/header.js';
import { toHex } from '../../util/hex.js';
import { lineText } from '../json/index.js';
import { optionalWholeNumber } from '../numbers.js';
import { result } from '../output.js';
import { ExitCode, action } from '../run.js';
import { MAX_BUNDLE_READ_BYTES, SIGNING_KEY_ENV, inFile, signingKey } from './bundle-files.js';
import { writeAtomically } from '../../util/atomic-write.js';

interface SignOptions {
  key?: string;
  out?: string;
  securityCounter?: string;
  boardClass?: string;
  vendor?: string;
  name?: string;
  replace?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('sign')
    .description(`sign a bundle (trailer added or replaced, in place unless --out) or an HXE image (made a one-segment signed bundle); key from --key or ${SIGNING_KEY_ENV}`)
    .argument('<file>', 'a bundle, or an HXE image')
    .option('-k, --key <file>', `private key file (PKCS#8 PEM or 64-hex seed); default: the ${SIGNING_KEY_ENV} environment variable`)
    .option('-o, --out <file>', 'where to write (a bundle: default in place; an HXE image: default <image minus .hxe>.hxb)')
    .option('--security-counter <n>', 'HXE input only: security counter of the new bundle (default 0)')
    .option('--board-class <id>', 'HXE input only: board class of the new bundle')
    .option('--vendor <id>', 'HXE input only: vendor of the new bundle')
    .option('--name <name>', "HXE input only: bundle name (default: the image's app name)")
    .option('--replace', 'a bundle already signed by a different key: replace that signature (without it, sign refuses)')
    .option('--json', 'print the result as one JSON line')
    .action(action((file: string, opts: SignOptions) => run(file, opts), (_f, opts) => opts.json === true));
}

async function run(path: string, opts: SignOptions): Promise<ExitCode> {
  const key = await signingKey(opts.key, '--key');
  const bytes = await readHostFile(path, 'bundle or image', MAX_BUNDLE_READ_BYTES);
  const manifestOptions = (['securityCounter', 'boardClass', 'vendor', 'name'] as const).filter((k) => opts[k] !== undefined);
  let out: string;
  let signed: { bytes: Uint8Array; info: BundleInfo; replacedKeyId: string | null };
  let input: 'bundle' | 'hxe';
  if (isBundleHead(bytes)) {
    if (manifestOptions.length) {
      const flag = manifestOptions.map((k) => `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`).join(', ');
      throw new UsageError('invalid_option', `${flag}: "${path}" is a bundle, and signing never changes its manifest; rebuild it with hilbridge image build to change it`);
    }
    input = 'bundle';
    out = opts.out ?? path;
    try {
      signed = signBundle(bytes, key, { replace: opts.replace === true });
    } catch (e) {
      // a missing --replace is the user's call to make: exit 2, nothing written
      if (e instanceof BundleError && e.code === 'signed_by_other_key') throw new UsageError(e.code, `bundle "${path}": ${e.message}`, { cause: e });
      throw inFile(path, e);
    }
  } else if (hasHxeMagic(bytes)) {
    input = 'hxe';
    out = opts.out ?? `${path.replace(/\.hxe$/i, '')}.hxb`;
    const securityCounter = optionalWholeNumber('--security-counter', opts.securityCounter, 0, 0xffffffff);
    try {
      // buildBundle verifies what it returns (parseBundle): no second pass here
      signed = { ...buildBundle([{ kind: 'hxe', bytes }], { securityCounter, boardClass: opts.boardClass, vendor: opts.vendor, name: opts.name, signer: key }), replacedKeyId: null };
    } catch (e) {
      throw e instanceof BundleError ? new BundleError(e.code, `image "${path}": ${e.message}`, e.offset, { cause: e.cause ?? e }) : e;
    }
  } else {
    throw new BundleError('bad_magic', `"${path}" is neither a bundle ("HXBN") nor an HXE image ("HSXE"): sign takes one of those`, 0);
  }
  const { info, replacedKeyId } = signed; // signBundle and buildBundle both verify what they return
  await writeAtomically(out, signed.bytes, 'signed bundle');
  if (opts.json) {
    process.stdout.write(lineText({ event: 'signed', path, input, out, size: info.size, sha256: info.sha256, keyId: key.keyId, publicKey: toHex(key.raw), replacedKeyId }));
  } else {
    const replaced = replacedKeyId === null ? '' : replacedKeyId === key.keyId ? ' (its signature by the same key replaced)' : ` (replaced the signature by key ${replacedKeyId})`;
    result(`signed ${path}${out === path ? ' in place' : ` into ${out}`} with ed25519 key ${key.keyId}${replaced}: ${info.size} bytes, sha256 ${info.sha256}`);
  }
  return ExitCode.Ok;
}

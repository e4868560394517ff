/**
 * `hilbridge image build` and `hilbridge image verify`: signed image bundles
 * (docs/bundle.md).
 *
 *   image build --out <bundle> --manifest <file> [--sign <key>] [--security-counter <n>]
 *               [--board-class <id>] [--vendor <id>] [--name <n>] [--json] <segment...>
 *   image verify <bundle> [--manifest <file>] [--pub <key>]... [--json]
 *
 * build writes the bundle and its JSON manifest atomically; the same inputs
 * give the same bytes anywhere. verify runs every check (hashes, padding,
 * HXE segments, signature), and with --manifest/--pub compares the manifest
 * file and requires a trusted signer. Exit 0 ok, 1 a check failed, 2 usage
 * or file I/O.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { BundleError, buildBundle, manifestJson, manifestTextDifference } from '../../bundle/index.js';
import { UsageError } from '../../errors.js';
import { readHostFile } from '../../image/host-file.js';
import { bundleSummary, lineText } from '../json/index.js';
import { optionalWholeNumber } from '../numbers.js';
import { result } from '../output.js';
import { ExitCode, action } from '../run.js';
import { MAX_MANIFEST_FILE_BYTES, publicKeys, signingKeyFromFile, verifyBundleFile } from './bundle-files.js';
import { writeAtomically } from '../../util/atomic-write.js';
import { readSegment } from './image-args.js';
import { describe, signerText } from './bundle-text.js';

interface BuildOptions {
  out: string;
  manifest: string;
  sign?: string;
  securityCounter?: string;
  boardClass?: string;
  vendor?: string;
  name?: string;
  json?: boolean;
}

interface VerifyOptions {
  manifest?: string;
  pub: string[];
  json?: boolean;
}

const collect = (v: string, all: string[]): string[] => [...all, v];

export function register(program: Command): void {
  const image = program.command('image').description('build and verify signed image bundles (docs/bundle.md)');
  image
    .command('build')
    .description('build a deterministic bundle from segments ([kind[:name]=]path; kinds boot, hxe, values, data) and write its JSON manifest')
    .argument('<segments...>', 'segment files: an HXE image path, or kind[:name]=path')
    .requiredOption('-o, --out <bundle>', 'bundle to write (replaced atomically)')
    .requiredOption('--manifest <file>', 'JSON manifest to write next to it (replaced atomically)')
    .option('--sign <keyfile>', 'sign with this private key (PKCS#8 PEM or 64-hex seed, from hilbridge keygen)')
    .option('--security-counter <n>', 'security counter, 0..4294967295 (default 0): a board refuses a bundle below its stored counter')
    .option('--board-class <id>', 'board class the bundle is for ([a-z0-9._-], at most 24; default empty)')
    .option('--vendor <id>', 'vendor ([a-z0-9._-], at most 24; default empty)')
    .option('--name <name>', "bundle name (default: the first hxe segment's name)")
    .option('--json', 'print the result as one JSON line')
    .action(action((segments: string[], opts: BuildOptions) => build(segments, opts), (_s, opts) => opts.json === true));
  image
    .command('verify')
    .description('verify a bundle: every hash, the padding, each HXE segment and the signature')
    .argument('<bundle>', 'bundle file')
    .option('--manifest <file>', 'the JSON manifest must equal the bundle\'s (names the field that differs)')
    .option('--pub <key>', 'trusted public key (SPKI PEM file or 64 hex); repeatable; the bundle must be signed by one of them', collect, [])
    .option('--json', 'print the result as one JSON line')
    .action(action((bundle: string, opts: VerifyOptions) => verify(bundle, opts), (_b, opts) => opts.json === true));
}

async function build(args: string[], opts: BuildOptions): Promise<ExitCode> {
  if (resolve(opts.out) === resolve(opts.manifest)) {
    throw new UsageError('invalid_option', `--out and --manifest both name "${opts.out}": the manifest would replace the bundle; give the manifest its own file (e.g. ${opts.out}.json)`);
  }
  const securityCounter = optionalWholeNumber('--security-counter', opts.securityCounter, 0, 0xffffffff);
  const signer = opts.sign === undefined ? undefined : await signingKeyFromFile(opts.sign);
  const segments = [];
  for (const arg of args) segments.push(await readSegment(arg));
  let built: ReturnType<typeof buildBundle>;
  try {
    built = buildBundle(segments, { name: opts.name, vendor: opts.vendor, boardClass: opts.boardClass, securityCounter, signer });
  } catch (e) {
    // the library numbers segments in argument order: name the argument too
    if (!(e instanceof BundleError)) throw e;
    const message = e.message.replace(/^segment (\d+)/, (all, i: string) => `${all} ("${args[Number(i)] ?? '?'}")`);
    throw new BundleError(e.code, `cannot build "${opts.out}": ${message}`, e.offset, { cause: e.cause ?? e });
  }
  const { bytes, info } = built;
  await writeAtomically(opts.out, bytes, 'bundle');
  await writeAtomically(opts.manifest, manifestJson(info), 'manifest');
  if (opts.json) process.stdout.write(lineText({ event: 'bundle_built', path: opts.out, manifestPath: opts.manifest, ...bundleSummary(info) }));
  else {
    result(`built ${opts.out}: ${info.size} bytes, sha256 ${info.sha256}, ${signerText(info)}`);
    for (const line of describe(info)) result(line);
    result(`manifest written to ${opts.manifest}`);
  }
  return ExitCode.Ok;
}

async function verify(path: string, opts: VerifyOptions): Promise<ExitCode> {
  const trusted = (await publicKeys(opts.pub)) ?? [];
  const expected = opts.manifest === undefined ? undefined : Buffer.from(await readHostFile(opts.manifest, 'manifest file', MAX_MANIFEST_FILE_BYTES)).toString('utf8');
  const info = await verifyBundleFile(path, trusted.length ? trusted : undefined);
  if (expected !== undefined && opts.manifest !== undefined) {
    const diff = manifestTextDifference(expected, info.manifest);
    if (diff !== undefined) throw new BundleError('manifest_mismatch', `manifest file "${opts.manifest}" differs from bundle "${path}": ${diff}`);
  }
  if (opts.json) {
    process.stdout.write(lineText({ event: 'bundle_verified', path, ...bundleSummary(info), manifestChecked: expected !== undefined, signerTrusted: trusted.length > 0 }));
  } else {
    const checks = [expected !== undefined ? 'manifest file matches' : '', trusted.length ? 'signer trusted' : ''].filter(Boolean).join(', ');
    result(`${path}: valid bundle "${info.manifest.name}", ${info.size} bytes, sha256 ${info.sha256}, ${signerText(info)}${checks ? `; ${checks}` : ''}`);
    for (const line of describe(info)) result(line);
  }
  return ExitCode.Ok;
}


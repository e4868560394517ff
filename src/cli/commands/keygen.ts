/**
 * `hilbridge keygen --out <name> [--json]`: a new Ed25519 key pair for
 * signing bundles. Writes <name>.key (PKCS#8 PEM, mode 0600, created
 * exclusively: an existing file is never overwritten) and <name>.pub (SPKI
 * PEM), and prints the key id and the raw public key. The private key is
 * never printed. Exit 0 written, 2 a file exists or cannot be written.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateKeyPair } from '../../bundle/index.js';
import { UsageError } from '../../errors.js';
import { toHex } from '../../util/hex.js';
import { lineText } from '../json/index.js';
import { result } from '../output.js';
import { ExitCode, action } from '../run.js';

interface KeygenOptions {
  out: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('keygen')
    .description('make an Ed25519 key pair for signing bundles: <name>.key (private, mode 0600, never overwritten) and <name>.pub (docs/bundle.md)')
    .requiredOption('-o, --out <name>', 'file name without extension: writes <name>.key and <name>.pub')
    .option('--json', 'print the key id and public key as one JSON line')
    .action(action((opts: KeygenOptions) => run(opts), (opts) => opts.json === true));
}

/** Create `path` exclusively with `mode`; an existing file is a usage error naming it. */
async function create(path: string, mode: number, what: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx', mode);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError('file_exists', `${what} "${path}" already exists; keygen never overwrites a key: choose another --out name or move the old key away first`, { cause });
    throw new UsageError('file_unwritable', `cannot create ${what} "${path}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

async function writeAndClose(fh: FileHandle, text: string, mode: number): Promise<void> {
  try {
    await fh.chmod(mode); // the umask may have taken bits away; never adds any
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function run(opts: KeygenOptions): Promise<ExitCode> {
  const keyPath = `${opts.out}.key`;
  const pubPath = `${opts.out}.pub`;
  const { privatePem, publicPem, key } = generateKeyPair();
  const keyFile = await create(keyPath, 0o600, 'private key file');
  let pubFile: FileHandle;
  try {
    pubFile = await create(pubPath, 0o644, 'public key file');
  } catch (e) {
    await keyFile.close();
    await rm(keyPath, { force: true });
    throw e;
  }
  try {
    try {
      await writeAndClose(keyFile, privatePem, 0o600);
    } catch (e) {
      await pubFile.close();
      throw e;
    }
    await writeAndClose(pubFile, publicPem, 0o644);
  } catch (cause) {
    await rm(keyPath, { force: true });
    await rm(pubPath, { force: true });
    throw new UsageError('file_unwritable', `cannot write the key pair "${keyPath}", "${pubPath}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const publicKey = toHex(key.raw);
  if (opts.json) process.stdout.write(lineText({ event: 'keygen', keyId: key.keyId, publicKey, privateKeyPath: keyPath, publicKeyPath: pubPath }));
  else {
    result(`key id      ${key.keyId}`);
    result(`public key  ${publicKey}`);
    result(`wrote ${keyPath} (private, mode 0600: keep it secret) and ${pubPath}`);
  }
  return ExitCode.Ok;
}

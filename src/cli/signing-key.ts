/**
 * `--key <file>` of the commands that change a board (flash, abort, rollback,
 * confirm, reset, trust add): the key that signs their authenticated
 * commands (docs/security.md), from the file or HILBRIDGE_SIGNING_KEY, read
 * the way `sign` reads it; no key at all is fine (a board that does not
 * require one). Never a prompt. The key object only signs: its private part
 * is never printed, logged or written.
 */
import type { SigningKey } from '../bundle/index.js';
import { SIGNING_KEY_ENV, signingKey } from './commands/bundle-files.js';

export const KEY_OPTION_HELP = `private key that signs the command for a board that requires authenticated commands (PKCS#8 PEM or 64-hex seed); default: the ${SIGNING_KEY_ENV} environment variable`;

/** The signing key from --key or the environment, or undefined when neither is given. */
export async function commandSigner(keyFile: string | undefined): Promise<SigningKey | undefined> {
  if (keyFile === undefined && (process.env[SIGNING_KEY_ENV] ?? '').trim() === '') return undefined;
  return signingKey(keyFile, '--key');
}

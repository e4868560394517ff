/**
 * `hilbridge trust add <pubkey> <link> [--require-signed] [--vendor v] [--board-class c]`:
 * write the first key (and the image policy, vendor and board class) into a
 * board's empty trust store, at manufacturing. A provisioned board refuses
 * (`auth_required`, exit 1): changing its store needs an authenticated
 * command, which a later version adds.
 * `hilbridge trust list <link> [--json]`: board id, image policy, security
 * counter, vendor, board class, key ids, and whether the image it runs still
 * passes its policy. Usage errors (a bad key, a bad vendor) exit 2 before the
 * link opens; a silent board 3.
 */
import type { Command } from 'commander';
import { loadPublicKey, type PublicKey } from '../../bundle/index.js';
import { UsageError, isHilbridgeError } from '../../errors.js';
import { readHostFile } from '../../image/host-file.js';
import { trustAdd, trustList } from '../../protocol/engine/index.js';
import type { TrustInfoMsg } from '../../protocol/messages-types.js';
import type { JsonLineOf } from '../json/index.js';
import { emit, withBoard, withPlannedBoard } from '../link-board.js';
import { addLinkOptions, planLink, type LinkCliOptions } from '../link.js';
import { ExitCode, action } from '../run.js';
import { KEY_OPTION_HELP, commandSigner } from '../signing-key.js';

interface AddOptions extends LinkCliOptions {
  requireSigned?: boolean;
  vendor?: string;
  boardClass?: string;
  key?: string;
}

/** A public key file is a few hundred bytes; anything much larger is not one. */
const MAX_KEY_FILE_BYTES = 16 * 1024;
/** What a bundle's vendor and board class may be (docs/bundle.md), so a board's can ever match. */
const NAME_RULE = /^[a-z0-9._-]{0,24}$/;

export function register(program: Command): void {
  const trust = program.command('trust').description("a board's trust store: provision it at manufacturing (add), show it (list)");
  addLinkOptions(
    trust
      .command('add')
      .description("write a public key into the board's trust store: the first one into an empty store, a further one only signed by a key the board holds (--key)")
      .argument('<pubkey>', 'Ed25519 public key: a .pub file (SPKI PEM, as hilbridge keygen writes) or 64 hex characters')
      .option('--require-signed', 'set the image policy to signed: the board then takes only bundles signed by a key of its store')
      .option('--vendor <v>', 'vendor the board takes bundles for ([a-z0-9._-], at most 24; default: any)')
      .option('--board-class <c>', 'board class the board takes bundles for ([a-z0-9._-], at most 24; default: any)')
      .option('-k, --key <file>', `${KEY_OPTION_HELP}: a provisioned board adds a further key only signed by one it holds`),
  ).action(action((pubkey: string, opts: AddOptions) => add(pubkey, opts), (_k, opts) => opts.json === true));
  addLinkOptions(trust.command('list').description("show the board's trust store: board id, image policy, security counter, vendor, board class, key ids")).action(
    action((opts: LinkCliOptions) => list(opts), (opts) => opts.json === true),
  );
}

function nameOption(flag: string, value: string | undefined): string {
  const v = value ?? '';
  if (!NAME_RULE.test(v)) throw new UsageError('invalid_option', `${flag} ${JSON.stringify(v)}: use [a-z0-9._-], at most 24 characters (what hilbridge image build accepts, so bundles can match it)`);
  return v;
}

async function keyArgument(arg: string): Promise<PublicKey> {
  try {
    if (/^[0-9a-fA-F]{64}$/.test(arg)) return loadPublicKey(arg, 'public key (64 hex characters)');
    const text = Buffer.from(await readHostFile(arg, 'public key file', MAX_KEY_FILE_BYTES)).toString('utf8');
    return loadPublicKey(text, `public key file "${arg}"`);
  } catch (e) {
    if (isHilbridgeError(e) && !(e instanceof UsageError)) throw new UsageError(e.code, e.message, { cause: e });
    throw e;
  }
}

async function add(pubkey: string, opts: AddOptions): Promise<ExitCode> {
  const vendor = nameOption('--vendor', opts.vendor);
  const boardClass = nameOption('--board-class', opts.boardClass);
  const key = await keyArgument(pubkey);
  const plan = planLink(opts);
  const signer = await commandSigner(opts.key);
  return withPlannedBoard(plan, async ({ link, peer, request }) => {
    const message = await trustAdd(link.channel, { requireSigned: opts.requireSigned === true, publicKey: key.raw, vendor, boardClass }, request);
    const line: JsonLineOf<'trust_added'> = {
      event: 'trust_added', link: link.name, nodeId: peer.info.nodeId, keyId: key.keyId, policy: /image policy signed/.test(message) || opts.requireSigned === true ? 'signed' : 'open', vendor, boardClass, message,
    };
    emit(opts.json === true, line, `${link.name}: ${message}`);
    return ExitCode.Ok;
  }, {}, { signer });
}

async function list(opts: LinkCliOptions): Promise<ExitCode> {
  return withBoard(opts, async ({ link, peer, request }) => {
    const t = await trustList(link.channel, request);
    const line: JsonLineOf<'trust'> = {
      event: 'trust', link: link.name, nodeId: peer.info.nodeId, boardId: t.boardId, policy: t.policy, securityCounter: t.securityCounter,
      vendor: t.vendor, boardClass: t.boardClass, keyIds: [...t.keyIds], note: t.note === '' ? null : t.note,
    };
    emit(opts.json === true, line, trustText(link.name, t));
    return ExitCode.Ok;
  });
}

export function trustText(link: string, t: TrustInfoMsg): string {
  const out = [
    `${link}: board id ${t.boardId}, image policy ${t.policy}, security counter ${t.securityCounter}`,
    `  vendor ${t.vendor === '' ? '(any)' : t.vendor}, board class ${t.boardClass === '' ? '(any)' : t.boardClass}`,
    ...(t.keyIds.length === 0 ? ['  no keys (trust add provisions the store)'] : t.keyIds.map((k) => `  key ${k}`)),
  ];
  if (t.note !== '') out.push(`  the running image no longer passes the policy: ${t.note}`);
  return out.join('\n');
}

/**
 * `hilbridge pack --desc app.toml [--code code.bin] [--rodata ro.bin] -o app.hxe [--json]`:
 * build a v2 HXE image from code/rodata files and a TOML or JSON description
 * (docs/pack.md). The image is checked by the parser before it is written,
 * and written atomically (temp file, fsync, rename): a failure never leaves a
 * half-written image behind. Exit 0 written, 1 bad description content,
 * 2 usage or file I/O.
 */
import { createHash } from 'node:crypto';
import { dirname, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { MAX_SEGMENT_SIZE } from '../../hxe/constants.js';
import { readHostFile } from '../../image/host-file.js';
import { DescriptionError } from '../../hxe/description-error.js';
import { descriptionToInput, parseDescription } from '../../hxe/description.js';
import type { DescriptionFormat } from '../../hxe/description.js';
import { parseHxe } from '../../hxe/parse.js';
import { writeHxe } from '../../hxe/writer.js';
import { ExitCode, action } from '../run.js';
import { crc32Hex, lineText } from '../json/index.js';
import { crc32 } from '../../util/digest.js';
import { writeAtomically } from '../../util/atomic-write.js';

interface PackOptions {
  desc: string;
  code?: string;
  rodata?: string;
  output: string;
  format?: string;
  json?: boolean;
}

/** Register `pack` on the program. */
export function register(program: Command): void {
  program
    .command('pack')
    .description('build a v2 HXE image from code/rodata files and a TOML or JSON description (docs/pack.md)')
    .requiredOption('-d, --desc <file>', 'description file (.toml or .json)')
    .option('-c, --code <file>', 'code segment (overrides "code" in the description)')
    .option('-r, --rodata <file>', 'read-only data segment (overrides "rodata" in the description)')
    .requiredOption('-o, --output <file>', 'image to write (replaced atomically); - writes it to stdout (not a terminal)')
    .option('--format <format>', 'description format when the extension does not say: toml or json')
    .option('--json', 'print the result as one JSON object')
    // with -o - stdout carries the image: an error goes to stderr as text, never into the pipe
    .action(action((opts: PackOptions) => run(opts), (opts) => opts.json === true && opts.output !== '-'));
}

async function run(opts: PackOptions): Promise<ExitCode> {
  const format = formatOf(opts.desc, opts.format);
  const description = parseDescription(Buffer.from(await readInput(opts.desc, 'description')).toString('utf8'), format, opts.desc);
  // paths in the description are relative to the description file
  const near = (p: string): string => resolve(dirname(opts.desc), p);
  const codePath = opts.code ?? (description.code === undefined ? undefined : near(description.code));
  if (codePath === undefined) {
    throw new UsageError('missing_code', `no code segment: pass --code <file> or set "code" in ${opts.desc}`);
  }
  const rodataPath = opts.rodata ?? (description.rodata === undefined ? undefined : near(description.rodata));
  const code = await readInput(codePath, 'code');
  const rodata = rodataPath === undefined ? undefined : await readInput(rodataPath, 'rodata');

  let image: Uint8Array;
  try {
    image = writeHxe(descriptionToInput(description, code, rodata));
  } catch (e) {
    if (e instanceof DescriptionError) throw new DescriptionError(e.code, e.field, `${opts.desc}: ${e.message}`, { cause: e });
    throw e;
  }
  const parsed = parseHxe(image); // the writer's output must pass the same checks a target makes
  const toStdout = opts.output === '-';
  if (toStdout) await writeToStdout(image);
  else await writeAtomically(opts.output, image, 'image');

  const sha256 = createHash('sha256').update(image).digest('hex');
  const crc = '0x' + parsed.crc32.toString(16).padStart(8, '0');
  // With -o - stdout carries the image: the summary goes to stderr.
  (toStdout ? process.stderr : process.stdout).write(
    opts.json
      ? lineText({ event: 'packed', path: opts.output, size: image.length, headerCrc32: crc32Hex(parsed.crc32), fileCrc32: crc32Hex(crc32(image)), sha256 })
      : `packed ${toStdout ? 'to stdout' : opts.output}: ${image.length} bytes, crc32 ${crc}, sha256 ${sha256}\n`,
  );
  return ExitCode.Ok;
}

function formatOf(path: string, given: string | undefined): DescriptionFormat {
  const f = (given ?? extname(path).slice(1)).toLowerCase();
  if (f === 'toml' || f === 'json') return f;
  throw new UsageError(
    'unknown_format',
    given === undefined
      ? `cannot tell the format of "${path}" from its extension; name it .toml or .json, or pass --format toml|json`
      : `--format ${given}: expected toml or json`,
  );
}

/** A description is text of a few KB; 1 MiB is far beyond any real one. */
const MAX_DESCRIPTION_BYTES = 1024 * 1024;

/** Read an input file with its cap: a segment never exceeds the VM's 64 KiB, a description 1 MiB. */
function readInput(path: string, what: 'description' | 'code' | 'rodata'): Promise<Uint8Array> {
  return readHostFile(path, `${what} file`, what === 'description' ? MAX_DESCRIPTION_BYTES : MAX_SEGMENT_SIZE);
}

/** `-o -`: the image on stdout, for a pipe or a redirection; never onto a terminal, where it would be binary noise. */
async function writeToStdout(image: Uint8Array): Promise<void> {
  if (process.stdout.isTTY) {
    throw new UsageError('stdout_is_tty', 'refusing to write a binary image to the terminal (-o -): redirect stdout to a file or a pipe, or name a file with -o');
  }
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(image, (err) => (err ? reject(new UsageError('file_unwritable', `cannot write the image to stdout: ${err.message}`, { cause: err })) : resolve()));
  });
}


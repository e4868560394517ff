/**
 * The `hilbridge` command tree and how one command line runs on it.
 *
 * Start-up: only the command a line names is imported (commands/index.ts);
 * every other command is a stub carrying its name, arguments and summary, so
 * `hilbridge --help` lists them all and `--version` answers without loading
 * any. A first word that is not a command is refused (`unknown_command`, with
 * the nearest name when one is close) instead of being handed to the default
 * command; a line without a command (`hilbridge`, `hilbridge --sample calib`)
 * runs `demo`.
 *
 * Global options (`-v/--verbose`, `-q/--quiet`) are the program's and may
 * stand anywhere on the line; they set output.ts before the command runs.
 * What commander rejects (unknown option, missing argument) is a usage error,
 * exit 2: one line on stderr, or with `--json` one JSON line on stdout.
 */
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { DEFAULT_COMMAND, commandTable, findCommand } from './commands/index.js';
import type { CommandEntry } from './commands/index.js';
import { setVerbosity } from './output.js';
import { ExitCode, reportError } from './run.js';
import { suggestCommand } from './suggest.js';
import { VERSION } from './version.js';

export { VERSION };

const GLOBAL_FLAGS = new Set(['-v', '--verbose', '-q', '--quiet']);
const HELP_OR_VERSION = new Set(['-h', '--help', '-V', '--version']);

/** What a command line names: no command (help/version only), a known command, or an unknown word. */
export type Invocation =
  | { readonly kind: 'none' }
  | { readonly kind: 'command'; readonly entry: CommandEntry; readonly byDefault: boolean }
  | { readonly kind: 'unknown'; readonly word: string };

/** The command `args` (argv without node and script) invokes, found without importing any command. */
export function invocation(args: readonly string[]): Invocation {
  const rest = args.filter((a) => !GLOBAL_FLAGS.has(a));
  const first = rest[0];
  const byDefault = (): Invocation => ({ kind: 'command', entry: findCommand(DEFAULT_COMMAND)!, byDefault: true });
  if (first === undefined) return byDefault();
  if (first.startsWith('-')) {
    if (HELP_OR_VERSION.has(first)) return { kind: 'none' };
    // options first, then the command (`hilbridge --json status`, `hilbridge --uart /dev/ttyUSB0 flash app.hxe`)
    const named = rest.map(findCommand).find((e) => e !== undefined);
    return named === undefined ? byDefault() : { kind: 'command', entry: named, byDefault: false };
  }
  if (first === 'help') {
    const named = rest[1];
    if (named === undefined || named.startsWith('-')) return { kind: 'none' };
    const entry = findCommand(named);
    return entry === undefined ? { kind: 'unknown', word: named } : { kind: 'command', entry, byDefault: false };
  }
  const entry = findCommand(first);
  return entry === undefined ? { kind: 'unknown', word: first } : { kind: 'command', entry, byDefault: false };
}

/**
 * argv with the command word first, so options given before it are parsed as
 * the command's (commander recognises the global -v/-q anywhere).
 */
function commandFirst(argv: readonly string[], name: string): string[] {
  const args = argv.slice(2);
  const at = args.indexOf(name);
  return at <= 0 ? [...argv] : [...argv.slice(0, 2), name, ...args.slice(0, at), ...args.slice(at + 1)];
}

/** `--json` anywhere before `--`: usage errors are reported as JSON then. */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** The root command: global options, no subcommands yet. */
function root(): Command {
  const program = new Command('hilbridge')
    .description('Provision HSX boards with HXE images over CAN and UART')
    .version(VERSION)
    .addOption(new Option('-v, --verbose', 'more detail on stderr: the link and its negotiated parameters, counters').conflicts('quiet'))
    .addOption(new Option('-q, --quiet', 'only results and errors: no progress, no informational lines'))
    .addHelpText('after', `\nA line without a command runs ${DEFAULT_COMMAND}. Run hilbridge <command> --help for its options (docs/cli.md).`)
    // commander's own error lines are replaced by ours (run() below); help and version still print
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  program.hook('preAction', (self) => {
    const o = self.opts<{ verbose?: boolean; quiet?: boolean }>();
    setVerbosity(o.quiet === true ? 'quiet' : o.verbose === true ? 'verbose' : 'normal');
  });
  return program;
}

/** A command known only by its table entry: listed by the help, never run. */
function stub(entry: CommandEntry): Command {
  const cmd = new Command(entry.name).description(entry.summary);
  if (entry.args !== '') cmd.arguments(entry.args);
  return cmd.action(() => {
    throw new Error(`internal: command ${entry.name} runs without its module loaded`);
  });
}

/**
 * The program with the commands in `load` registered for real (their modules
 * imported) and the rest as stubs. Without `load`, every command is loaded:
 * the whole tree, as `hilbridge completion` and tests want it.
 */
export async function buildProgram(load?: readonly string[]): Promise<Command> {
  const wanted = commandTable.filter((c) => load === undefined || load.includes(c.name));
  const modules = new Map(await Promise.all(wanted.map(async (c) => [c.name, await c.load()] as const)));
  const program = root();
  for (const entry of commandTable) {
    const mod = modules.get(entry.name);
    if (mod === undefined) program.addCommand(stub(entry));
    else mod.register(program);
  }
  return program;
}

/** The text of a commander rejection without its `error: ` prefix. */
function usageMessage(err: CommanderError): string {
  return err.message.replace(/^error: /, '');
}

function unknownCommand(word: string, json: boolean): void {
  const near = suggestCommand(word, [...commandTable.map((c) => c.name), 'help']);
  const hint = near === undefined ? '; hilbridge --help lists the commands' : ` (did you mean ${near}?)`;
  reportError(new UsageError('unknown_command', `unknown command '${word}'${hint}`), json);
  process.exitCode = ExitCode.Usage;
}

/**
 * Run one command line (`argv` as process.argv: node, script, args...):
 * parse, run the command, set process.exitCode. Commands never call
 * process.exit; main.ts adds only what belongs to the process.
 */
export async function runProgram(argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  const json = wantsJson(args);
  const inv = invocation(args);
  if (inv.kind === 'unknown') return unknownCommand(inv.word, json);
  const program = await buildProgram(inv.kind === 'command' ? [inv.entry.name] : []);
  try {
    await program.parseAsync(inv.kind === 'command' && !inv.byDefault ? commandFirst(argv, inv.entry.name) : [...argv]);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // help and version exit 0; anything else commander rejects is a usage error
    if (err.exitCode === 0) {
      process.exitCode = ExitCode.Ok;
      return;
    }
    process.exitCode = ExitCode.Usage;
    if (err.code === 'commander.help') return; // the help went to stderr as the answer to a line without a command
    // `hilbridge --json flsh`: the default command takes no operand, so its first one was meant as a command
    const stray = inv.kind === 'command' && inv.byDefault && err.code === 'commander.excessArguments' ? program.commands.find((c) => c.name() === DEFAULT_COMMAND)?.args[0] : undefined;
    if (stray !== undefined) return unknownCommand(stray, json);
    const where = inv.kind === 'command' ? `hilbridge ${inv.entry.name} --help` : 'hilbridge --help';
    reportError(new UsageError('usage', `${usageMessage(err)} (see ${where})`), json);
  }
}

/**
 * Every subcommand, in the order `hilbridge --help` lists them. Adding one is
 * one entry here. Each module (src/cli/commands/<name>.ts) exports
 * `register(program)`, and is imported only when its command runs (`load`):
 * `hilbridge --version` and `--help` import none of them, `hilbridge flash`
 * only flash.ts and what it needs (docs/performance.md, Start-up).
 *
 * `summary` and `args` are what the top-level help shows without importing
 * the module. `summary` is the one place of that line; the module's own
 * `description` is the longer text `hilbridge <command> --help` shows.
 * test/unit/cli/program.test.ts checks `args` against the module's command.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export interface CommandModule {
  readonly register: RegisterCommand;
}

export interface CommandEntry {
  readonly name: string;
  /** The positional arguments, as commander spells them (`<image>`, `<images...>`); empty when none. */
  readonly args: string;
  /** One line for the top-level help. */
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

/** The command that runs when none is named (`hilbridge`, `hilbridge --sample calib`). */
export const DEFAULT_COMMAND = 'demo';

export const commandTable: readonly CommandEntry[] = [
  { name: 'demo', args: '', summary: 'quick start: a virtual board and an emulated UART in this process (default command)', load: () => import('./demo.js') },
  { name: 'inspect', args: '<images...>', summary: 'verify HXE images and bundles and print their header, checksums and metadata', load: () => import('./inspect.js') },
  { name: 'pack', args: '', summary: 'build a v2 HXE image from code/rodata files and a TOML or JSON description', load: () => import('./pack.js') },
  { name: 'image', args: '', summary: 'build (image build) and verify (image verify) deterministic, signed image bundles', load: () => import('./image.js') },
  { name: 'sign', args: '<file>', summary: 'sign a bundle, or make an HXE image a signed one-segment bundle', load: () => import('./sign.js') },
  { name: 'keygen', args: '', summary: 'make an Ed25519 key pair for signing bundles', load: () => import('./keygen.js') },
  { name: 'sd', args: '', summary: 'lay out an SD card (sd write: a directory or a FAT image) and verify one (sd check)', load: () => import('./sd.js') },
  { name: 'fmap', args: '', summary: 'decode a FRAM image file, or ask a board for its FRAM map over a link', load: () => import('./fmap.js') },
  { name: 'decode', args: '<capture>', summary: 'decode a capture (candump, or flash --capture) into protocol messages', load: () => import('./decode.js') },
  { name: 'target', args: '', summary: 'run a virtual board on a link until stopped; its state lives in the FRAM file', load: () => import('./target.js') },
  { name: 'discover', args: '', summary: 'find every node on a CAN bus; --assign gives node ids to nodes without one', load: () => import('./discover.js') },
  { name: 'flash', args: '<image>', summary: 'verify an HXE image, provision it on the board, have the board verify and commit it', load: () => import('./flash.js') },
  { name: 'status', args: '', summary: "show the board's state, active image, slots, boot count and last error", load: () => import('./status.js') },
  { name: 'abort', args: '', summary: 'abort the transfer session the board holds and free it', load: () => import('./abort.js') },
  { name: 'rollback', args: '', summary: 'make the previous known-good image active', load: () => import('./rollback.js') },
  { name: 'confirm', args: '', summary: 'make the trial image permanent', load: () => import('./confirm.js') },
  { name: 'reset', args: '', summary: 'factory reset: erase every slot and the value store (--factory --yes)', load: () => import('./reset.js') },
  { name: 'bootcfg', args: '', summary: "a board's boot configuration: boot source order, boot-failure limit, images (bootcfg set, bootcfg get)", load: () => import('./bootcfg.js') },
  { name: 'trust', args: '', summary: "provision a board's trust store (trust add) and show it (trust list)", load: () => import('./trust.js') },
  { name: 'ports', args: '', summary: 'list the serial ports and CAN interfaces a link option can name', load: () => import('./ports.js') },
  { name: 'completion', args: '<shell>', summary: 'print a bash or zsh completion script', load: () => import('./completion.js') },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commandTable.find((c) => c.name === name);
}

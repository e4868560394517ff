/** Every subcommand, in the order `hilbridge --help` lists them. Adding one is one line here. */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];

/** Every subcommand, in the order `hilbridge --help` lists them. Adding one is one line here. */
import type { Command } from 'commander';
import { register as decode } from './decode.js';
import { register as fmap } from './fmap.js';
import { register as inspect } from './inspect.js';
import { register as pack } from './pack.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [inspect, pack, fmap, decode];

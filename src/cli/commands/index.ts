/** Every subcommand, in the order `hilbridge --help` lists them. Adding one is one line here. */
import type { Command } from 'commander';
import { register as abort } from './abort.js';
import { register as confirm } from './confirm.js';
import { register as decode } from './decode.js';
import { register as demo } from './demo.js';
import { register as flash } from './flash.js';
import { register as fmap } from './fmap.js';
import { register as inspect } from './inspect.js';
import { register as pack } from './pack.js';
import { register as ports } from './ports.js';
import { register as reset } from './reset.js';
import { register as rollback } from './rollback.js';
import { register as status } from './status.js';
import { register as target } from './target.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [demo, inspect, pack, fmap, decode, target, flash, status, abort, rollback, confirm, reset, ports];

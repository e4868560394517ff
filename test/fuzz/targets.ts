/** Every fuzz target, in the order `npm run fuzz` runs them. */
import { bundleTarget } from './bundle.js';
import { canTarget } from './can-reassembly.js';
import { candumpTarget } from './candump.js';
import { cobsTarget } from './cobs.js';
import { codecTarget } from './codec.js';
import { frameTarget } from './frame.js';
import type { FuzzTarget } from './harness.js';
import { hxeTarget } from './hxe.js';
import { manifestTarget } from './manifest.js';
import { messagesTarget } from './messages.js';

export const TARGETS: readonly FuzzTarget<unknown>[] = [
  frameTarget,
  canTarget,
  cobsTarget,
  messagesTarget,
  hxeTarget,
  bundleTarget,
  manifestTarget,
  candumpTarget,
  codecTarget,
];

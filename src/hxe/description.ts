/**
 * The description format of `hilbridge pack` (docs/pack.md): TOML or JSON
 * naming the app, its entry point, capabilities, values, commands and
 * mailboxes with readable names and decimal numbers. Parsed with a zod schema
 * (shape, names), then converted to a writer input; range checks live in the
 * writer (writer-input.ts) so both paths name fields the same way.
 */
import { parse as parseToml } from 'smol-toml';
import { findTooDeep, preview } from '../util/nesting.js';
import { z } from 'zod';
import { AuthLevel, Capability, CmdFlag, MailboxMode, ValueFlag } from './constants.js';
import { DescriptionError } from './description-error.js';
import { numberToF16 } from './f16.js';
import type { HxeCommandInput, HxeInput, HxeMailboxInput, HxeValueInput } from './writer-input.js';

/** Capability names as the description spells them. */
const CAPABILITY_NAMES: Record<string, number> = {
  mailbox: Capability.mailbox,
  value_cmd: Capability.valueCmd,
  fram: Capability.fram,
  can: Capability.can,
  uart: Capability.uart,
};
const AUTH_NAMES: Record<string, number> = Object.fromEntries(AuthLevel.map((n, i) => [n, i]));

/** Names match case-insensitively and with or without underscores (value_cmd = valueCmd, FANOUT_DROP = fanoutdrop). */
const norm = (name: string): string => name.trim().toLowerCase().replace(/_/g, '');

function lookup(table: Record<string, number>, name: string): number | undefined {
  const want = norm(name);
  return Object.entries(table).find(([k]) => norm(k) === want)?.[1];
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** A level given as a non-negative integer or as one name from `table` (any case). */
function level(table: Record<string, number>, what: string) {
  return z.unknown().transform((v, ctx): number => {
    if (isUint(v)) return v;
    const n = typeof v === 'string' ? lookup(table, v) : undefined;
    if (n !== undefined) return n;
    ctx.addIssue({ code: 'custom', message: `unknown ${what} ${JSON.stringify(v)}; expected an integer or one of: ${Object.keys(table).join(', ')}` });
    return z.NEVER;
  });
}

/** A bit mask given as a non-negative integer or as a list of names from `table` (any case), ORed. */
function mask(table: Record<string, number>, what: string) {
  return z.unknown().transform((v, ctx): number => {
    if (isUint(v)) return v;
    if (Array.isArray(v)) {
      let m = 0;
      for (const [i, name] of v.entries()) {
        const bit = typeof name === 'string' ? lookup(table, name) : undefined;
        if (bit === undefined) {
          ctx.addIssue({ code: 'custom', path: [i], message: `unknown ${what} ${JSON.stringify(name)}; expected one of: ${Object.keys(table).join(', ')}` });
          return z.NEVER;
        }
        m |= bit;
      }
      return m;
    }
    ctx.addIssue({ code: 'custom', message: `expected an integer ${what} mask or a list of names (${Object.keys(table).join(', ')})` });
    return z.NEVER;
  });
}

const uint = z.int().min(0);
const text = z.string().optional();
// z.number() refuses Infinity and NaN, but f16 has both and TOML spells them inf / -inf / nan.
const f16Number = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number (TOML inf, -inf and nan allowed)' }).optional();
const f16Raw = uint.optional();

const valueSchema = z
  .strictObject({
    group: uint,
    id: uint,
    name: text,
    unit: text,
    group_name: text,
    flags: mask(ValueFlag, 'value flag').optional(),
    auth: level(AUTH_NAMES, 'auth level').optional(),
    persist_key: uint.optional(),
    init: f16Number,
    init_raw: f16Raw,
    epsilon: f16Number,
    epsilon_raw: f16Raw,
    min: f16Number,
    min_raw: f16Raw,
    max: f16Number,
    max_raw: f16Raw,
  })
  .superRefine((v, ctx) => {
    for (const k of ['init', 'epsilon', 'min', 'max'] as const) {
      if (v[k] !== undefined && v[`${k}_raw`] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [`${k}_raw`], message: `give either ${k} (a decimal number) or ${k}_raw (the f16 bit pattern), not both` });
      }
    }
  });

const commandSchema = z.strictObject({
  group: uint,
  id: uint,
  name: text,
  help: text,
  group_name: text,
  handler_offset: uint.optional(),
  flags: mask(CmdFlag, 'command flag').optional(),
  auth: level(AUTH_NAMES, 'auth level').optional(),
});

const modeString = z.string().transform((s, ctx) => {
  let m = 0;
  for (const part of s.split('|')) {
    const bit = lookup(MailboxMode, part);
    if (bit === undefined) {
      ctx.addIssue({ code: 'custom', message: `unknown mailbox mode "${part.trim()}" in "${s}"; expected names from ${Object.keys(MailboxMode).join('|')}` });
      return z.NEVER;
    }
    m |= bit;
  }
  return m;
});

const mailboxSchema = z
  .strictObject({
    target: z.string(),
    capacity: uint.optional(),
    mode: modeString.optional(),
    mode_mask: uint.optional(),
    owner_pid: uint.nullable().optional(),
    bindings: z.array(z.strictObject({ pid: uint, flags: uint })).optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.mode === undefined) === (m.mode_mask === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'give exactly one of mode (e.g. "RDWR|FANOUT") or mode_mask (an integer)' });
    }
  });

/** The schema of a description file (docs/pack.md). */
export const descriptionSchema = z.strictObject({
  app_name: z.string().optional(),
  entry: uint.optional(),
  bss_size: uint.optional(),
  capabilities: mask(CAPABILITY_NAMES, 'capability').optional(),
  allow_multiple_instances: z.boolean().optional(),
  code: z.string().min(1).optional(),
  rodata: z.string().min(1).optional(),
  values: z.array(valueSchema).optional(),
  commands: z.array(commandSchema).optional(),
  mailboxes: z.array(mailboxSchema).optional(),
});

/** Deepest bracket nesting accepted in a description (checked before parsing: hostile input never reaches a recursive parser). */
export const MAX_DESCRIPTION_DEPTH = 32;

/** A parsed description: names already turned into numbers. */
export type Description = z.output<typeof descriptionSchema>;
export type DescriptionFormat = 'toml' | 'json';

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/**
 * Parse description text. `source` names the file in messages. Throws
 * DescriptionError('bad_description') for syntax or schema errors, with the
 * first offending field in `field`.
 */
export function parseDescription(textIn: string, format: DescriptionFormat, source: string): Description {
  const deep = findTooDeep(textIn, MAX_DESCRIPTION_DEPTH, format);
  if (deep !== undefined) {
    throw new DescriptionError(
      'too_deep',
      undefined,
      `${source}: line ${deep.line}: brackets nest deeper than ${MAX_DESCRIPTION_DEPTH} levels; a description needs at most 4 (docs/pack.md)`,
    );
  }
  let raw: unknown;
  try {
    raw = format === 'toml' ? parseToml(textIn, { maxDepth: MAX_DESCRIPTION_DEPTH }) : JSON.parse(textIn);
  } catch (e) {
    const msg = preview(e instanceof Error ? e.message : String(e), 400);
    throw new DescriptionError('bad_description', undefined, `${source}: not valid ${format.toUpperCase()}: ${msg}`, { cause: e });
  }
  const result = descriptionSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new DescriptionError(
      'bad_description',
      first ? pathOf(first.path) : undefined,
      `${source}: invalid description:\n${z.prettifyError(result.error)}`,
      { cause: result.error },
    );
  }
  return result.data;
}

function f16(decimal: number | undefined, raw: number | undefined, field: string): number | undefined {
  if (decimal === undefined) return raw;
  const bits = numberToF16(decimal);
  if (Number.isFinite(decimal) && (bits & 0x7fff) === 0x7c00) {
    throw new DescriptionError('f16_overflow', field, `${field}: ${decimal} is outside the f16 range (-65504..65504)`);
  }
  return bits;
}

function toValue(v: NonNullable<Description['values']>[number], i: number): HxeValueInput {
  const at = `values[${i}]`;
  return {
    groupId: v.group,
    valueId: v.id,
    flags: v.flags,
    authLevel: v.auth,
    initRaw: f16(v.init, v.init_raw, `${at}.init`),
    epsilonRaw: f16(v.epsilon, v.epsilon_raw, `${at}.epsilon`),
    minRaw: f16(v.min, v.min_raw, `${at}.min`),
    maxRaw: f16(v.max, v.max_raw, `${at}.max`),
    name: v.name,
    unit: v.unit,
    groupName: v.group_name,
    persistKey: v.persist_key,
  };
}

/** Combine a parsed description with the code and rodata bytes into a writer input. */
export function descriptionToInput(d: Description, code: Uint8Array, rodata?: Uint8Array): HxeInput {
  return {
    code,
    rodata,
    entry: d.entry,
    bssSize: d.bss_size,
    reqCaps: d.capabilities,
    allowMultipleInstances: d.allow_multiple_instances,
    appName: d.app_name,
    values: (d.values ?? []).map(toValue),
    commands: (d.commands ?? []).map(
      (c): HxeCommandInput => ({
        groupId: c.group,
        cmdId: c.id,
        flags: c.flags,
        authLevel: c.auth,
        handlerOffset: c.handler_offset,
        name: c.name,
        help: c.help,
        groupName: c.group_name,
      }),
    ),
    mailboxes: (d.mailboxes ?? []).map(
      (m): HxeMailboxInput => ({
        target: m.target,
        capacity: m.capacity,
        modeMask: m.mode ?? m.mode_mask ?? 0,
        ownerPid: m.owner_pid,
        bindings: m.bindings,
      }),
    ),
  };
}

/**
 * What the HXE writer takes, and the checks it makes before writing a byte.
 *
 * Field names follow the decoded view (src/hxe/image.ts) so a parsed image
 * maps straight back to an input. Error `field`s are spelled the way the
 * description file spells them (docs/pack.md), because that is where the user
 * fixes them: `values[2].name`, `commands[0].handler_offset`.
 */
import {
  APP_NAME_MAX_CHARS,
  AuthLevel,
  CmdFlag,
  KNOWN_CAPABILITIES,
  MAILBOX_DEFAULT_CAPACITY,
  MAILBOX_TARGET_PREFIXES,
  MAX_SEGMENT_SIZE,
  MailboxMode,
  PERSIST_KEY_RESERVED,
  ValueFlag,
} from './constants.js';
import { DescriptionError } from './description-error.js';

/** One `.value` entry. f16 fields are raw bit patterns (use numberToF16). Absent strings: undefined, null or "". */
export interface HxeValueInput {
  groupId: number;
  valueId: number;
  /** ValueFlag bits; default 0. */
  flags?: number;
  /** 0 PUBLIC .. 3 FACTORY; default 0. */
  authLevel?: number;
  initRaw?: number;
  name?: string | null;
  unit?: string | null;
  epsilonRaw?: number;
  minRaw?: number;
  maxRaw?: number;
  /** 0 = not persisted (default); 0xFFFF is reserved. */
  persistKey?: number;
  groupName?: string | null;
}

/** One `.cmd` entry. */
export interface HxeCommandInput {
  groupId: number;
  cmdId: number;
  /** CmdFlag bits; default 0. */
  flags?: number;
  authLevel?: number;
  /** Byte offset of the handler in code (multiple of 4, inside code); default 0. */
  handlerOffset?: number;
  name?: string | null;
  help?: string | null;
  groupName?: string | null;
}

export interface HxeMailboxBindingInput {
  pid: number;
  flags: number;
}

/** One mailbox of the JSON `.mailbox` section. */
export interface HxeMailboxInput {
  /** Namespaced: `svc:`, `pid:`, `app:` or `shared:` followed by a name. */
  target: string;
  /** Bytes; default 64 (written explicitly, as the linker does). */
  capacity?: number;
  /** MailboxMode bits. */
  modeMask: number;
  ownerPid?: number | null;
  bindings?: readonly HxeMailboxBindingInput[];
}

/** Everything a version-2 HXE image is made of. */
export interface HxeInput {
  code: Uint8Array;
  rodata?: Uint8Array;
  /** Entry point, byte offset into code; default 0. */
  entry?: number;
  bssSize?: number;
  /** Capability bits (see Capability); default 0. */
  reqCaps?: number;
  /** Header flags bit 1; default false. */
  allowMultipleInstances?: boolean;
  /** ASCII, at most 31 characters after trimming; default "" (unnamed). */
  appName?: string;
  values?: readonly HxeValueInput[];
  commands?: readonly HxeCommandInput[];
  mailboxes?: readonly HxeMailboxInput[];
}

/** An input with every default filled in and every check passed. */
export interface ValidHxeInput {
  code: Uint8Array;
  rodata: Uint8Array;
  entry: number;
  bssSize: number;
  reqCaps: number;
  allowMultipleInstances: boolean;
  appName: string;
  values: Required<HxeValueInput>[];
  commands: Required<HxeCommandInput>[];
  mailboxes: Required<HxeMailboxInput>[];
}

const VALUE_FLAGS = Object.values(ValueFlag).reduce((a, b) => a | b, 0);
const CMD_FLAGS = Object.values(CmdFlag).reduce((a, b) => a | b, 0);
const MODE_BITS = Object.values(MailboxMode).reduce((a, b) => a | b, 0);
const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

function int(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new DescriptionError('out_of_range', field, `${field}: ${value} is not an integer in 0..${max} (0x${max.toString(16)})`);
  }
  return value;
}

function bits(value: number, known: number, field: string): number {
  int(value, U32, field);
  if ((value & ~known) >>> 0 !== 0) {
    throw new DescriptionError(
      'out_of_range',
      field,
      `${field}: 0x${value.toString(16)} sets unknown bits 0x${((value & ~known) >>> 0).toString(16)} (known bits: 0x${known.toString(16)})`,
    );
  }
  return value;
}

function str(value: string | null | undefined, field: string): string {
  const s = value ?? '';
  if (s.includes('\0')) throw new DescriptionError('bad_string', field, `${field}: contains a NUL character; HXE strings are NUL-terminated`);
  return s;
}

function checkAppName(raw: string | undefined): string {
  const name = (raw ?? '').trim();
  if (![...name].every((c) => c.charCodeAt(0) > 0 && c.charCodeAt(0) < 0x80)) {
    throw new DescriptionError('bad_string', 'app_name', `app_name: "${name}" must be ASCII without NUL`);
  }
  if (name.length > APP_NAME_MAX_CHARS) {
    throw new DescriptionError('name_too_long', 'app_name', `app_name: "${name}" has ${name.length} characters; at most ${APP_NAME_MAX_CHARS} fit the header`);
  }
  return name;
}

function checkCodeOffset(offset: number, codeLen: number, field: string): number {
  int(offset, U32, field);
  if (offset % 4 !== 0) throw new DescriptionError('misaligned', field, `${field}: ${offset} is not a multiple of 4 (instructions are 4 bytes)`);
  if (offset >= codeLen) {
    throw new DescriptionError('entry_out_of_range', field, `${field}: ${offset} is not inside the code (0..${codeLen - 1}, code is ${codeLen} bytes)`);
  }
  return offset;
}

function checkSegment(len: number, field: string): void {
  if (len > MAX_SEGMENT_SIZE) {
    throw new DescriptionError('too_large', field, `${field}: ${len} bytes exceed the 64 KiB (${MAX_SEGMENT_SIZE}) VM address space`);
  }
}

function checkValue(v: HxeValueInput, i: number): Required<HxeValueInput> {
  const at = `values[${i}]`;
  const persistKey = int(v.persistKey ?? 0, U16, `${at}.persist_key`);
  if (persistKey === PERSIST_KEY_RESERVED) {
    throw new DescriptionError('reserved_persist_key', `${at}.persist_key`, `${at}.persist_key: 0xFFFF is reserved; use 1..0xFFFE, or 0 for not persisted`);
  }
  return {
    groupId: int(v.groupId, U8, `${at}.group`),
    valueId: int(v.valueId, U8, `${at}.id`),
    flags: bits(v.flags ?? 0, VALUE_FLAGS, `${at}.flags`),
    authLevel: int(v.authLevel ?? 0, AuthLevel.length - 1, `${at}.auth`),
    initRaw: int(v.initRaw ?? 0, U16, `${at}.init_raw`),
    name: str(v.name, `${at}.name`),
    unit: str(v.unit, `${at}.unit`),
    epsilonRaw: int(v.epsilonRaw ?? 0, U16, `${at}.epsilon_raw`),
    minRaw: int(v.minRaw ?? 0, U16, `${at}.min_raw`),
    maxRaw: int(v.maxRaw ?? 0, U16, `${at}.max_raw`),
    persistKey,
    groupName: str(v.groupName, `${at}.group_name`),
  };
}

function checkCommand(c: HxeCommandInput, i: number, codeLen: number): Required<HxeCommandInput> {
  const at = `commands[${i}]`;
  return {
    groupId: int(c.groupId, U8, `${at}.group`),
    cmdId: int(c.cmdId, U8, `${at}.id`),
    flags: bits(c.flags ?? 0, CMD_FLAGS, `${at}.flags`),
    authLevel: int(c.authLevel ?? 0, AuthLevel.length - 1, `${at}.auth`),
    handlerOffset: checkCodeOffset(c.handlerOffset ?? 0, codeLen, `${at}.handler_offset`),
    name: str(c.name, `${at}.name`),
    help: str(c.help, `${at}.help`),
    groupName: str(c.groupName, `${at}.group_name`),
  };
}

function checkMailbox(m: HxeMailboxInput, i: number): Required<HxeMailboxInput> {
  const at = `mailboxes[${i}]`;
  const target = str(m.target, `${at}.target`);
  const prefix = MAILBOX_TARGET_PREFIXES.find((p) => target.startsWith(p));
  if (prefix === undefined || target.length === prefix.length) {
    throw new DescriptionError(
      'bad_mailbox_target',
      `${at}.target`,
      `${at}.target: "${target}" must be ${MAILBOX_TARGET_PREFIXES.join(', ')} followed by a name`,
    );
  }
  return {
    target,
    capacity: int(m.capacity ?? MAILBOX_DEFAULT_CAPACITY, U32, `${at}.capacity`),
    modeMask: bits(m.modeMask, MODE_BITS, `${at}.mode_mask`),
    ownerPid: m.ownerPid === undefined || m.ownerPid === null ? null : int(m.ownerPid, U32, `${at}.owner_pid`),
    bindings: (m.bindings ?? []).map((b, j) => ({
      pid: int(b.pid, U32, `${at}.bindings[${j}].pid`),
      flags: int(b.flags, U32, `${at}.bindings[${j}].flags`),
    })),
  };
}

function checkUnique(input: ValidHxeInput): void {
  const seen = new Map<number, string>();
  const claim = (group: number, id: number, at: string): void => {
    const key = (group << 8) | id;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new DescriptionError(
        'duplicate_id',
        at,
        `${at}: (group ${group}, id ${id}) is already used by ${first}; values and commands share one (group, id) namespace`,
      );
    }
    seen.set(key, at);
  };
  input.values.forEach((v, i) => claim(v.groupId, v.valueId, `values[${i}]`));
  input.commands.forEach((c, i) => claim(c.groupId, c.cmdId, `commands[${i}]`));
  const targets = new Map<string, number>();
  input.mailboxes.forEach((m, i) => {
    const first = targets.get(m.target);
    if (first !== undefined) {
      throw new DescriptionError('duplicate_mailbox', `mailboxes[${i}].target`, `mailboxes[${i}].target: "${m.target}" is already declared by mailboxes[${first}]`);
    }
    targets.set(m.target, i);
  });
}

/** Check every field and fill in defaults. Throws DescriptionError naming the first bad field. */
export function validateHxeInput(input: HxeInput): ValidHxeInput {
  const code = input.code;
  const rodata = input.rodata ?? new Uint8Array(0);
  checkSegment(code.length, 'code');
  checkSegment(rodata.length, 'rodata');
  if (code.length % 4 !== 0) throw new DescriptionError('misaligned', 'code', `code: ${code.length} bytes is not a multiple of 4 (instructions are 4 bytes)`);
  const bssSize = int(input.bssSize ?? 0, U32, 'bss');
  checkSegment(bssSize, 'bss');
  const valid: ValidHxeInput = {
    code,
    rodata,
    entry: checkCodeOffset(input.entry ?? 0, code.length, 'entry'),
    bssSize,
    reqCaps: bits(input.reqCaps ?? 0, KNOWN_CAPABILITIES, 'capabilities'),
    allowMultipleInstances: input.allowMultipleInstances ?? false,
    appName: checkAppName(input.appName),
    values: (input.values ?? []).map(checkValue),
    commands: (input.commands ?? []).map((c, i) => checkCommand(c, i, code.length)),
    mailboxes: (input.mailboxes ?? []).map(checkMailbox),
  };
  checkUnique(valid);
  return valid;
}

/**
 * The .mailbox section: UTF-8 JSON ({"version": 1, "mailboxes": [...]} or a
 * bare array), or the legacy form of 16-byte structs (name_off u32,
 * queue_depth u16, flags u16, 8 reserved bytes) followed by a string table.
 */
import {
  LEGACY_MAILBOX_ENTRY_SIZE,
  MAILBOX_DEFAULT_CAPACITY,
  MAILBOX_TARGET_PREFIXES,
  MailboxMode,
  type MailboxModeName,
} from './constants.js';
import { hex } from '../util/hex.js';
import { findTooDeep, preview } from '../util/nesting.js';
import { ImageError } from './errors.js';
import { readU16, readU32 } from './header.js';
import type { HxeMailbox, HxeMailboxBinding } from './image.js';
import { checkEntryTable, readString, type Section } from './strings.js';

/** Mode used when a JSON mailbox gives neither mode_mask nor mode. */
export const MAILBOX_DEFAULT_MODE = MailboxMode.RDWR;
const ALL_MODE_BITS = Object.values(MailboxMode).reduce((a, b) => a | b, 0);

/** True when the payload's first non-blank byte opens a JSON object or array. */
export function isJsonMailbox(bytes: Uint8Array): boolean {
  for (const c of bytes) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0x5b; // '{' or '['
  }
  return false;
}

/** Parse a .mailbox section in either form; `countAt` is the file offset of its entry_count. */
export function parseMailboxes(section: Section, count: number, countAt: number): { form: 'json' | 'legacy'; mailboxes: HxeMailbox[] } {
  if (isJsonMailbox(section.bytes)) return { form: 'json', mailboxes: parseJson(section) };
  return { form: 'legacy', mailboxes: parseLegacy(section, count, countAt) };
}

function parseLegacy(section: Section, count: number, countAt: number): HxeMailbox[] {
  checkEntryTable(section, count, LEGACY_MAILBOX_ENTRY_SIZE, countAt);
  const b = section.bytes;
  const out: HxeMailbox[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * LEGACY_MAILBOX_ENTRY_SIZE;
    const at = section.offset + o;
    const nameOff = readU32(b, o);
    const target = readString(section, nameOff, 'mailbox name_off', at);
    if (target === null || target === '') {
      throw new ImageError('bad_mailbox', `legacy mailbox entry ${i} at ${hex(at)} has no name (name_off is 0 or the string is empty)`, at);
    }
    const depth = readU16(b, o + 4);
    out.push({
      target,
      capacity: depth === 0 ? MAILBOX_DEFAULT_CAPACITY : depth,
      modeMask: readU16(b, o + 6),
      ownerPid: null,
      bindings: [],
    });
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Deepest bracket nesting accepted in a .mailbox JSON section (checked before parsing: no recursion on hostile input). */
export const MAX_MAILBOX_JSON_DEPTH = 16;

/** A value from the section as it goes into a message: JSON, cut short. */
const shown = (v: unknown): string => preview(JSON.stringify(v) ?? String(v), 60);

function parseJson(section: Section): HxeMailbox[] {
  const fail = (why: string, cause?: unknown): never => {
    throw new ImageError('bad_mailbox_json', `.mailbox JSON at ${hex(section.offset)}: ${why}`, section.offset, { cause });
  };
  let end = section.bytes.length;
  while (end > 0 && section.bytes[end - 1] === 0) end--; // tolerate NUL padding
  let text: string;
  try {
    text = utf8.decode(section.bytes.subarray(0, end));
  } catch (cause) {
    return fail('is not valid UTF-8', cause);
  }
  const deep = findTooDeep(text, MAX_MAILBOX_JSON_DEPTH, 'json');
  if (deep !== undefined) return fail(`nests deeper than ${MAX_MAILBOX_JSON_DEPTH} levels (at character ${deep.index} of the section); a mailbox list needs 4`);
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (cause) {
    return fail(`does not parse (${preview(cause instanceof Error ? cause.message : String(cause), 200)})`, cause);
  }
  let list: unknown;
  if (Array.isArray(doc)) list = doc;
  else if (isObject(doc)) {
    if (doc.version !== undefined && doc.version !== 1) fail(`version is ${shown(doc.version)}, expected 1`);
    list = doc.mailboxes;
    if (!Array.isArray(list)) fail('"mailboxes" is missing or not an array');
  } else fail('expected an object with "mailboxes" or an array');
  return (list as unknown[]).map((entry, i) => jsonMailbox(entry, `mailboxes[${i}]`, fail));
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function uint(v: unknown, what: string, max: number, fail: (why: string) => never): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    return fail(`${what} is ${shown(v)}, expected an integer 0..${max}`);
  }
  return v;
}

function jsonMailbox(e: unknown, where: string, fail: (why: string) => never): HxeMailbox {
  if (!isObject(e)) return fail(`${where} is not an object`);
  const target = e.target;
  if (typeof target !== 'string' || !MAILBOX_TARGET_PREFIXES.some((p) => target.startsWith(p) && target.length > p.length)) {
    return fail(`${where}.target is ${shown(target)}, expected a namespaced name (${MAILBOX_TARGET_PREFIXES.join(', ')})`);
  }
  const cap = e.capacity === undefined || e.capacity === null ? 0 : uint(e.capacity, `${where}.capacity`, 0xffffffff, fail);
  let modeMask: number | undefined;
  if (e.mode_mask !== undefined && e.mode_mask !== null) modeMask = uint(e.mode_mask, `${where}.mode_mask`, ALL_MODE_BITS, fail);
  if (e.mode !== undefined && e.mode !== null) {
    const fromString = parseMode(e.mode, `${where}.mode`, fail);
    if (modeMask !== undefined && modeMask !== fromString) {
      fail(`${where} has mode_mask ${modeMask} and mode ${shown(e.mode)} (${fromString}), which disagree`);
    }
    modeMask = fromString;
  }
  const ownerPid = e.owner_pid === undefined || e.owner_pid === null ? null : uint(e.owner_pid, `${where}.owner_pid`, 0xffffffff, fail);
  const rawBindings = e.bindings ?? [];
  if (!Array.isArray(rawBindings)) return fail(`${where}.bindings is not an array`);
  const bindings: HxeMailboxBinding[] = rawBindings.map((b: unknown, j) => {
    if (!isObject(b)) return fail(`${where}.bindings[${j}] is not an object`);
    return {
      pid: uint(b.pid, `${where}.bindings[${j}].pid`, 0xffffffff, fail),
      flags: b.flags === undefined ? 0 : uint(b.flags, `${where}.bindings[${j}].flags`, 0xffffffff, fail),
    };
  });
  return { target, capacity: cap === 0 ? MAILBOX_DEFAULT_CAPACITY : cap, modeMask: modeMask ?? MAILBOX_DEFAULT_MODE, ownerPid, bindings };
}

function parseMode(v: unknown, what: string, fail: (why: string) => never): number {
  if (typeof v !== 'string' || v.trim() === '') return fail(`${what} is ${shown(v)}, expected e.g. "RDWR|FANOUT"`);
  let mask = 0;
  for (const part of v.split('|')) {
    const name = part.trim();
    if (!Object.hasOwn(MailboxMode, name)) {
      return fail(`${what} has unknown mode "${name}" (known: ${Object.keys(MailboxMode).join(', ')})`);
    }
    mask |= MailboxMode[name as MailboxModeName];
  }
  return mask;
}

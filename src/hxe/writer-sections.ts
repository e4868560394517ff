/**
 * Encoders for the metadata sections, exactly as the original linker lays
 * them out: entries sorted by (group, id), then the section's own string
 * table (offsets relative to the section start, 0 = no string, identical
 * strings interned once in order of first use), and the `.mailbox` section as
 * compact JSON with sorted keys.
 */
import { CMD_ENTRY_SIZE, VALUE_ENTRY_SIZE } from './constants.js';
import { DescriptionError } from './description-error.js';
import type { HxeCommandInput, HxeMailboxInput, HxeValueInput } from './writer-input.js';

const MAX_STRING_OFFSET = 0xffff;
const utf8 = new TextEncoder();

/** A section's string table, placed right after `base` bytes of entries. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly chunks: Uint8Array[] = [];
  private size: number;

  constructor(
    private readonly base: number,
    private readonly section: string,
  ) {
    this.size = base;
  }

  /** Offset of `s` from the section start; 0 for an empty string. */
  offsetOf(s: string): number {
    if (s === '') return 0;
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const offset = this.size;
    if (offset > MAX_STRING_OFFSET) {
      throw new DescriptionError(
        'too_large',
        this.section,
        `${this.section}: the section's strings reach offset ${offset}, beyond the u16 string offsets (max ${MAX_STRING_OFFSET}); shorten names, units or help texts`,
      );
    }
    const bytes = utf8.encode(s + '\0');
    this.chunks.push(bytes);
    this.offsets.set(s, offset);
    this.size += bytes.length;
    return offset;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size - this.base);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function byGroupThenId<T>(key: (t: T) => number): (a: T, b: T) => number {
  return (a, b) => key(a) - key(b);
}

/** The `.value` section payload (20-byte entries + strings). */
export function encodeValueSection(values: readonly Required<HxeValueInput>[]): Uint8Array {
  const sorted = [...values].sort(byGroupThenId((v) => (v.groupId << 8) | v.valueId));
  const entries = new Uint8Array(sorted.length * VALUE_ENTRY_SIZE);
  const view = new DataView(entries.buffer);
  const strings = new StringTable(entries.length, 'values');
  sorted.forEach((v, i) => {
    const o = i * VALUE_ENTRY_SIZE;
    view.setUint8(o, v.groupId);
    view.setUint8(o + 1, v.valueId);
    view.setUint8(o + 2, v.flags);
    view.setUint8(o + 3, v.authLevel);
    view.setUint16(o + 4, v.initRaw);
    view.setUint16(o + 6, strings.offsetOf(v.name ?? ''));
    view.setUint16(o + 8, strings.offsetOf(v.unit ?? ''));
    view.setUint16(o + 10, v.epsilonRaw);
    view.setUint16(o + 12, v.minRaw);
    view.setUint16(o + 14, v.maxRaw);
    view.setUint16(o + 16, v.persistKey);
    view.setUint16(o + 18, strings.offsetOf(v.groupName ?? ''));
  });
  return concat(entries, strings.bytes());
}

/** The `.cmd` section payload (16-byte entries + strings). */
export function encodeCommandSection(commands: readonly Required<HxeCommandInput>[]): Uint8Array {
  const sorted = [...commands].sort(byGroupThenId((c) => (c.groupId << 8) | c.cmdId));
  const entries = new Uint8Array(sorted.length * CMD_ENTRY_SIZE);
  const view = new DataView(entries.buffer);
  const strings = new StringTable(entries.length, 'commands');
  sorted.forEach((c, i) => {
    const o = i * CMD_ENTRY_SIZE;
    view.setUint8(o, c.groupId);
    view.setUint8(o + 1, c.cmdId);
    view.setUint8(o + 2, c.flags);
    view.setUint8(o + 3, c.authLevel);
    view.setUint32(o + 4, c.handlerOffset);
    view.setUint16(o + 8, strings.offsetOf(c.name ?? ''));
    view.setUint16(o + 10, strings.offsetOf(c.help ?? ''));
    // u32 whose low 16 bits are group_name_off
    view.setUint32(o + 12, strings.offsetOf(c.groupName ?? ''));
  });
  return concat(entries, strings.bytes());
}

/**
 * Escape every character outside printable ASCII as a \u escape with four hex digits, as Python's
 * json.dumps (the linker's encoder) does by default; JSON.stringify already
 * escaped the control characters the same way.
 */
function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * The JSON `.mailbox` section payload: `{"mailboxes":[...],"version":1}`,
 * compact, keys sorted, owner_pid and bindings left out when null/empty.
 */
export function encodeMailboxSection(mailboxes: readonly Required<HxeMailboxInput>[]): Uint8Array {
  const list = mailboxes.map((m) => {
    const o: Record<string, unknown> = {};
    // keys inserted in sorted order; JSON.stringify keeps insertion order
    if (m.bindings.length > 0) o.bindings = m.bindings.map((b) => ({ flags: b.flags, pid: b.pid }));
    o.capacity = m.capacity;
    o.mode_mask = m.modeMask;
    if (m.ownerPid !== null) o.owner_pid = m.ownerPid;
    o.target = m.target;
    return o;
  });
  return utf8.encode(asciiJson(JSON.stringify({ mailboxes: list, version: 1 })));
}

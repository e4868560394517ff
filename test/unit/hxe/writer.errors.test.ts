/** writeHxe refuses inputs that would not make a valid image, naming the field. */
import { describe, expect, it } from 'vitest';
import { DescriptionError } from '../../../src/hxe/description-error.js';
import type { HxeInput } from '../../../src/hxe/writer.js';
import { writeHxe } from '../../../src/hxe/writer.js';

const code = new Uint8Array(16);
const base: HxeInput = { code };

const cases: [string, HxeInput, string, string][] = [
  ['code not a multiple of 4', { code: new Uint8Array(6) }, 'misaligned', 'code'],
  ['code above 64 KiB', { code: new Uint8Array(0x10004) }, 'too_large', 'code'],
  ['rodata above 64 KiB', { ...base, rodata: new Uint8Array(0x10001) }, 'too_large', 'rodata'],
  ['bss above 64 KiB', { ...base, bssSize: 0x10001 }, 'too_large', 'bss'],
  ['empty code (no entry possible)', { code: new Uint8Array(0) }, 'entry_out_of_range', 'entry'],
  ['entry past code', { ...base, entry: 16 }, 'entry_out_of_range', 'entry'],
  ['entry misaligned', { ...base, entry: 2 }, 'misaligned', 'entry'],
  ['unknown capability bits', { ...base, reqCaps: 0x20 }, 'out_of_range', 'capabilities'],
  ['app name 32 chars', { ...base, appName: 'x'.repeat(32) }, 'name_too_long', 'app_name'],
  ['app name not ASCII', { ...base, appName: 'mötor' }, 'bad_string', 'app_name'],
  ['group id above u8', { ...base, values: [{ groupId: 256, valueId: 0 }] }, 'out_of_range', 'values[0].group'],
  ['negative id', { ...base, values: [{ groupId: 0, valueId: -1 }] }, 'out_of_range', 'values[0].id'],
  ['fractional init_raw', { ...base, values: [{ groupId: 0, valueId: 0, initRaw: 1.5 }] }, 'out_of_range', 'values[0].init_raw'],
  ['unknown value flag', { ...base, values: [{ groupId: 0, valueId: 0, flags: 0x20 }] }, 'out_of_range', 'values[0].flags'],
  ['auth above FACTORY', { ...base, values: [{ groupId: 0, valueId: 0, authLevel: 4 }] }, 'out_of_range', 'values[0].auth'],
  ['persist_key 0xFFFF', { ...base, values: [{ groupId: 0, valueId: 0, persistKey: 0xffff }] }, 'reserved_persist_key', 'values[0].persist_key'],
  [
    'NUL in a value name',
    { ...base, values: [{ groupId: 0, valueId: 0 }, { groupId: 0, valueId: 1 }, { groupId: 0, valueId: 2, name: 'a\0b' }] },
    'bad_string',
    'values[2].name',
  ],
  ['NUL in help', { ...base, commands: [{ groupId: 0, cmdId: 0, help: '\0' }] }, 'bad_string', 'commands[0].help'],
  [
    'duplicate (group, id) between values',
    { ...base, values: [{ groupId: 1, valueId: 2 }, { groupId: 1, valueId: 2 }] },
    'duplicate_id',
    'values[1]',
  ],
  [
    'duplicate (group, id) across values and commands',
    { ...base, values: [{ groupId: 1, valueId: 2 }], commands: [{ groupId: 1, cmdId: 2 }] },
    'duplicate_id',
    'commands[0]',
  ],
  ['unknown command flag', { ...base, commands: [{ groupId: 0, cmdId: 0, flags: 4 }] }, 'out_of_range', 'commands[0].flags'],
  ['handler past code', { ...base, commands: [{ groupId: 0, cmdId: 0, handlerOffset: 16 }] }, 'entry_out_of_range', 'commands[0].handler_offset'],
  ['handler misaligned', { ...base, commands: [{ groupId: 0, cmdId: 0, handlerOffset: 5 }] }, 'misaligned', 'commands[0].handler_offset'],
  ['mailbox target without namespace', { ...base, mailboxes: [{ target: 'log', modeMask: 3 }] }, 'bad_mailbox_target', 'mailboxes[0].target'],
  ['mailbox target with only a prefix', { ...base, mailboxes: [{ target: 'app:', modeMask: 3 }] }, 'bad_mailbox_target', 'mailboxes[0].target'],
  ['unknown mode bits', { ...base, mailboxes: [{ target: 'app:a', modeMask: 0x40 }] }, 'out_of_range', 'mailboxes[0].mode_mask'],
  [
    'duplicate mailbox target',
    { ...base, mailboxes: [{ target: 'app:a', modeMask: 3 }, { target: 'app:a', modeMask: 1 }] },
    'duplicate_mailbox',
    'mailboxes[1].target',
  ],
  [
    'negative binding pid',
    { ...base, mailboxes: [{ target: 'app:a', modeMask: 3, bindings: [{ pid: -1, flags: 0 }] }] },
    'out_of_range',
    'mailboxes[0].bindings[0].pid',
  ],
  [
    'strings beyond u16 offsets',
    { ...base, commands: [{ groupId: 0, cmdId: 0, help: 'h'.repeat(0x10000) }, { groupId: 0, cmdId: 1, name: 'late' }] },
    'too_large',
    'commands',
  ],
];

describe('writeHxe input checks', () => {
  it.each(cases)('%s -> %s at %s', (_what, input, code, field) => {
    let caught: unknown;
    try {
      writeHxe(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DescriptionError);
    const err = caught as DescriptionError;
    expect({ code: err.code, field: err.field }).toEqual({ code, field });
    expect(err.message.startsWith(field)).toBe(true);
    expect(err.toJSON()).toMatchObject({ code, field });
  });

  it('accepts the limits themselves: 64 KiB code, 31-char name, persist_key 0xFFFE, u8 ids 255', () => {
    const image = writeHxe({
      code: new Uint8Array(0x10000),
      rodata: new Uint8Array(0x10000),
      bssSize: 0x10000,
      entry: 0xfffc,
      appName: 'n'.repeat(31),
      values: [{ groupId: 255, valueId: 255, persistKey: 0xfffe }],
    });
    expect(image.length).toBe(96 + 0x20000 + 16 + 20);
  });
});

/** Layout details of writeHxe, checked against hand-annotated bytes and the parser. */
import { describe, expect, it } from 'vitest';
import { HEADER_V2_SIZE, Off } from '../../../src/hxe/constants.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import type { HxeInput } from '../../../src/hxe/writer.js';
import { writeHxe } from '../../../src/hxe/writer.js';
import { expectSameBytes } from './writer-helpers.js';

const code = Uint8Array.of(0x40, 0x07, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00);
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const u32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off);

describe('writeHxe layout', () => {
  it('without metadata: header + code only, meta_offset and meta_count 0, reserved zero', () => {
    const image = writeHxe({ code, entry: 4, bssSize: 16, reqCaps: 0x12, appName: '  demo ' });
    expect(image.length).toBe(HEADER_V2_SIZE + code.length);
    expectSameBytes(
      image.subarray(0, 0x60),
      hex(`
        48535845 0002 0000 00000004 00000008   # magic, version 2, flags, entry 4, code_len 8
        00000000 00000010 00000012 ${u32(image, Off.crc32).toString(16).padStart(8, '0')}  # ro_len, bss 16, caps, crc
        64656d6f 00000000 00000000 00000000 00000000 00000000 00000000 00000000  # "demo", NUL-padded
        00000000 00000000                                                        # meta_offset, meta_count
        000000000000000000000000000000000000000000000000                         # reserved
      `.replace(/#[^\n]*/g, '')),
    );
    const parsed = parseHxe(image);
    expect(parsed.appName).toBe('demo');
    expect(parsed.entry).toBe(4);
    expect(parsed.bssSize).toBe(16);
    expect(parsed.metaOffset).toBe(0);
    expect(parsed.allowMultipleInstances).toBe(false);
  });

  it('rodata follows code; the section table follows rodata; allowMultipleInstances sets flags bit 1', () => {
    const rodata = Uint8Array.of(1, 2, 3); // unaligned rodata is allowed
    const image = writeHxe({ code, rodata, allowMultipleInstances: true, mailboxes: [{ target: 'svc:x', modeMask: 1 }] });
    expectSameBytes(image.subarray(0x68, 0x6b), rodata);
    expect(u32(image, Off.metaOffset)).toBe(0x6b);
    expect(u32(image, Off.metaCount)).toBe(1);
    // table: type 3, offset right after the 16-byte table, size, entry_count 1
    const payload = '{"mailboxes":[{"capacity":64,"mode_mask":1,"target":"svc:x"}],"version":1}';
    expectSameBytes(image.subarray(0x6b, 0x7b), hex(`00000003 0000007b ${payload.length.toString(16).padStart(8, '0')} 00000001`));
    expect(Buffer.from(image.subarray(0x7b)).toString('latin1')).toBe(payload);
    const parsed = parseHxe(image);
    expect(parsed.flags).toBe(2);
    expect(parsed.roLen).toBe(3);
  });

  it('sorts values by (group, id) and interns strings once, in order of first use (name, unit, group_name)', () => {
    const image = writeHxe({
      code,
      values: [
        { groupId: 1, valueId: 2, name: 'a', unit: 'V' },
        { groupId: 1, valueId: 1, name: 'b', unit: 'V', groupName: 'a', initRaw: 0x3e00, persistKey: 0x1234 },
      ],
    });
    const section = image.subarray(0x68 + 16);
    expectSameBytes(
      section,
      hex(`
        01 01 00 00 3e00 0028 002a 0000 0000 0000 1234 002c  # (1,1): name "b"@40, unit "V"@42, group "a"@44
        01 02 00 00 0000 002c 002a 0000 0000 0000 0000 0000  # (1,2): name "a" interned @44, unit "V" @42
        6200 5600 6100                                       # "b" "V" "a"
      `.replace(/#[^\n]*/g, '')),
    );
    expect(parseHxe(image).values.map((v) => [v.valueId, v.name, v.unit, v.groupName])).toEqual([
      [1, 'b', 'V', 'a'],
      [2, 'a', 'V', null],
    ]);
  });

  it('writes command entries with handler, help and a u32 group_name field; empty strings are offset 0', () => {
    const image = writeHxe({
      code,
      commands: [{ groupId: 3, cmdId: 9, flags: 3, authLevel: 3, handlerOffset: 4, name: 'go', help: '', groupName: 'grp' }],
    });
    expectSameBytes(
      image.subarray(0x68 + 16),
      hex(`
        03 09 03 03 00000004 0010 0000 00000013  # name "go"@16, no help, group "grp"@19
        676f00 67727000                          # "go" "grp"
      `.replace(/#[^\n]*/g, '')),
    );
    const [cmd] = parseHxe(image).commands;
    expect(cmd).toEqual({ groupId: 3, cmdId: 9, flags: 3, authLevel: 3, handlerOffset: 4, name: 'go', help: null, groupName: 'grp' });
  });

  it('mailbox JSON: sorted keys, owner_pid and bindings only when set, non-ASCII escaped like the linker', () => {
    const image = writeHxe({
      code,
      mailboxes: [
        { target: 'app:zähler', capacity: 0, modeMask: 0x0b, ownerPid: 7, bindings: [{ pid: 9, flags: 1 }] },
        { target: 'pid:12', modeMask: 0x24, ownerPid: null, bindings: [] },
      ],
    });
    const json = Buffer.from(image.subarray(0x68 + 16)).toString('latin1');
    expect(json).toBe(
      '{"mailboxes":[{"bindings":[{"flags":1,"pid":9}],"capacity":0,"mode_mask":11,"owner_pid":7,"target":"app:z\\u00e4hler"},' +
        '{"capacity":64,"mode_mask":36,"target":"pid:12"}],"version":1}',
    );
    const parsed = parseHxe(image);
    expect(parsed.mailboxes).toEqual([
      { target: 'app:zähler', capacity: 64, modeMask: 11, ownerPid: 7, bindings: [{ pid: 9, flags: 1 }] },
      { target: 'pid:12', capacity: 64, modeMask: 36, ownerPid: null, bindings: [] },
    ]);
  });

  it('puts sections in the order .value, .cmd, .mailbox with payloads back to back', () => {
    const image = writeHxe({
      code,
      mailboxes: [{ target: 'shared:m', modeMask: 3 }],
      commands: [{ groupId: 0, cmdId: 1 }],
      values: [{ groupId: 0, valueId: 0 }],
    });
    const table = 0x68;
    const types = [0, 1, 2].map((i) => u32(image, table + i * 16));
    expect(types).toEqual([1, 2, 3]);
    let next = table + 48;
    for (let i = 0; i < 3; i++) {
      expect(u32(image, table + i * 16 + 4)).toBe(next);
      next += u32(image, table + i * 16 + 8);
    }
    expect(next).toBe(image.length);
  });

  it('is deterministic and leaves its input untouched', () => {
    const input: HxeInput = {
      code,
      values: [
        { groupId: 2, valueId: 1 },
        { groupId: 1, valueId: 1 },
      ],
    };
    const snapshot = structuredClone(input);
    expectSameBytes(writeHxe(input), writeHxe(input));
    expect(input).toEqual(snapshot);
  });
});

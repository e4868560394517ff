/** Property: any valid writer input gives an image the parser accepts, with every field intact. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAILBOX_DEFAULT_CAPACITY, MAILBOX_TARGET_PREFIXES } from '../../../src/hxe/constants.js';
import { f16ToNumber } from '../../../src/hxe/f16.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import type { HxeInput } from '../../../src/hxe/writer.js';
import { writeHxe } from '../../../src/hxe/writer.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Strings as users write them: any Unicode except NUL, short; "" means no string. */
const text = fc.option(fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/\0/g, '')), { nil: undefined });

const inputArb = fc
  .record({
    words: fc.integer({ min: 1, max: 64 }),
    rodata: fc.uint8Array({ maxLength: 64 }),
    entryWord: fc.nat(),
    bssSize: fc.integer({ min: 0, max: 0x10000 }),
    reqCaps: fc.integer({ min: 0, max: 0x1f }),
    allowMultipleInstances: fc.boolean(),
    appName: fc.string({ unit: 'binary-ascii', maxLength: 31 }).map((s) => s.replace(/\0/g, '').trim()),
    values: fc.uniqueArray(
      fc.record({
        groupId: u8, valueId: u8, flags: fc.integer({ min: 0, max: 0x1f }), authLevel: fc.integer({ min: 0, max: 3 }),
        initRaw: u16, name: text, unit: text, epsilonRaw: u16, minRaw: u16, maxRaw: u16,
        persistKey: fc.integer({ min: 0, max: 0xfffe }), groupName: text,
      }),
      { selector: (v) => `${v.groupId}/${v.valueId}`, maxLength: 8 },
    ),
    commands: fc.uniqueArray(
      fc.record({
        groupId: u8, cmdId: u8, flags: fc.integer({ min: 0, max: 3 }),
        authLevel: fc.integer({ min: 0, max: 3 }), handlerWord: fc.nat(), name: text, help: text, groupName: text,
      }),
      { selector: (c) => `${c.groupId}/${c.cmdId}`, maxLength: 8 },
    ),
    mailboxes: fc.uniqueArray(
      fc.record({
        target: fc.tuple(fc.constantFrom(...MAILBOX_TARGET_PREFIXES), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 })).map(([p, n]) => p + n.replace(/\0/g, 'x')),
        capacity: fc.option(u32, { nil: undefined }),
        modeMask: fc.integer({ min: 0, max: 0x3f }),
        ownerPid: fc.option(u32, { nil: null }),
        bindings: fc.array(fc.record({ pid: u32, flags: u32 }), { maxLength: 3 }),
      }),
      { selector: (m) => m.target, maxLength: 4 },
    ),
  })
  // values and commands share one (group, id) namespace
  .filter((r) => {
    const ids = new Set(r.values.map((v) => `${v.groupId}/${v.valueId}`));
    return r.commands.every((c) => !ids.has(`${c.groupId}/${c.cmdId}`));
  })
  .map((r): HxeInput => {
    const codeLen = r.words * 4;
    return {
      code: Uint8Array.from({ length: codeLen }, (_, i) => (i * 37) & 0xff),
      rodata: r.rodata,
      entry: (r.entryWord % r.words) * 4,
      bssSize: r.bssSize,
      reqCaps: r.reqCaps,
      allowMultipleInstances: r.allowMultipleInstances,
      appName: r.appName,
      values: r.values,
      commands: r.commands.map(({ handlerWord, ...c }) => ({ ...c, handlerOffset: (handlerWord % r.words) * 4 })),
      mailboxes: r.mailboxes,
    };
  });

const orNull = (s: string | null | undefined): string | null => (s === undefined || s === null || s === '' ? null : s);
const key = (g: number, i: number): number => (g << 8) | i;

describe('writeHxe -> parseHxe', () => {
  it('round-trips every header field and every metadata entry', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const image = parseHxe(writeHxe(input));
        expect(image).toMatchObject({
          version: 2,
          entry: input.entry,
          codeLen: input.code.length,
          roLen: input.rodata?.length,
          bssSize: input.bssSize,
          reqCaps: input.reqCaps,
          allowMultipleInstances: input.allowMultipleInstances,
          appName: orNull(input.appName),
        });
        expect(image.crc32).toBe(image.computedCrc32);
        const values = [...(input.values ?? [])].sort((a, b) => key(a.groupId, a.valueId) - key(b.groupId, b.valueId));
        expect(image.values).toEqual(
          values.map((v) => ({
            groupId: v.groupId, valueId: v.valueId, flags: v.flags, authLevel: v.authLevel,
            initRaw: v.initRaw, init: f16ToNumber(v.initRaw ?? 0), name: orNull(v.name), unit: orNull(v.unit),
            epsilonRaw: v.epsilonRaw, minRaw: v.minRaw, maxRaw: v.maxRaw, persistKey: v.persistKey, groupName: orNull(v.groupName),
          })),
        );
        const commands = [...(input.commands ?? [])].sort((a, b) => key(a.groupId, a.cmdId) - key(b.groupId, b.cmdId));
        expect(image.commands).toEqual(
          commands.map((c) => ({
            groupId: c.groupId, cmdId: c.cmdId, flags: c.flags, authLevel: c.authLevel, handlerOffset: c.handlerOffset,
            name: orNull(c.name), help: orNull(c.help), groupName: orNull(c.groupName),
          })),
        );
        expect(image.mailboxes).toEqual(
          (input.mailboxes ?? []).map((m) => ({
            target: m.target,
            capacity: m.capacity === undefined || m.capacity === 0 ? MAILBOX_DEFAULT_CAPACITY : m.capacity,
            modeMask: m.modeMask, ownerPid: m.ownerPid, bindings: m.bindings,
          })),
        );
      }),
      { numRuns: 300 },
    );
  });
});

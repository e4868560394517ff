/** One hand-made image per error code, plus the accepted variants the spec allows. */
import { describe, expect, it } from 'vitest';
import { ImageError, type ImageErrorCode } from '../../../src/hxe/errors.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import { HxeStreamVerifier } from '../../../src/hxe/stream.js';
import { buildImage, cmdSection, code, jsonMailboxSection, legacyMailboxSection, valueSection, type RawSection } from './helpers/build-image.js';

function rejects(bytes: Uint8Array, code: ImageErrorCode, offset?: number, opts = {}): ImageError {
  let err: unknown;
  try {
    parseHxe(bytes, opts);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ImageError);
  const e = err as ImageError;
  expect(e.code).toBe(code);
  if (offset !== undefined) expect(e.offset).toBe(offset);
  expect(e.toJSON()).toMatchObject({ code, offset: e.offset ?? null });
  return e;
}

const withSections = (...sections: RawSection[]): Uint8Array => buildImage({ sections });
const mailboxes = (doc: unknown): Uint8Array => withSections(jsonMailboxSection(doc));

describe('header errors', () => {
  it('truncated: shorter than a v1 header', () => {
    rejects(buildImage({ version: 1 }).subarray(0, 31), 'truncated', 0);
  });
  it('truncated: v2 image shorter than 96 bytes', () => {
    rejects(buildImage({ version: 2 }).subarray(0, 95), 'truncated', 95);
  });
  it('truncated: code and rodata run past the end of the file', () => {
    const e = rejects(buildImage({ codeLen: 64 }), 'truncated');
    expect(e.message).toMatch(/64 bytes of code/);
  });
  it('bad_magic', () => {
    const b = buildImage();
    b[3] = 0x46;
    expect(rejects(b, 'bad_magic', 0).message).toContain('"HSXF"');
  });
  it('unsupported_version', () => {
    expect(rejects(buildImage({ version: 3 }), 'unsupported_version', 4).message).toMatch(/^unsupported_version:3/);
  });
  it('reserved_not_zero names the byte', () => {
    const reserved = new Uint8Array(24);
    reserved[5] = 1;
    rejects(buildImage({ reserved }), 'reserved_not_zero', 0x4d);
  });
  it('bad_app_name: not ASCII', () => {
    rejects(buildImage({ appName: Uint8Array.of(0x61, 0xc3, 0xa9) }), 'bad_app_name', 0x21);
  });
  it('bad_app_name: 32 characters, no NUL', () => {
    rejects(buildImage({ appName: 'x'.repeat(32) }), 'bad_app_name', 0x20);
  });
  it('too_large: code_len above 64 KiB (checked before the file size)', () => {
    rejects(buildImage({ codeLen: 0x10004 }), 'too_large', 0x0c);
  });
  it('too_large: bss_size above 64 KiB', () => {
    rejects(buildImage({ bssSize: 0x10001 }), 'too_large', 0x14);
  });
  it('too_large: metadata region above the cap', () => {
    rejects(withSections(valueSection([{ group: 1, id: 1, name: 'speed' }])), 'too_large', 96 + 8, { maxMetadataBytes: 16 });
  });
  it('misaligned: code_len not a multiple of 4', () => {
    rejects(buildImage({ code: code(6) }), 'misaligned', 0x0c);
  });
  it('misaligned: entry not a multiple of 4', () => {
    rejects(buildImage({ entry: 2 }), 'misaligned', 0x08);
  });
  it('entry_out_of_range: entry at code_len', () => {
    rejects(buildImage({ entry: 8 }), 'entry_out_of_range', 0x08);
  });
  it('entry_out_of_range: no code at all', () => {
    rejects(buildImage({ code: new Uint8Array(0) }), 'entry_out_of_range', 0x08);
  });
  it('crc_mismatch says stored vs computed and the covered ranges', () => {
    const good = buildImage();
    const bad = buildImage({ crc: 0xdeadbeef });
    const stored = new DataView(good.buffer).getUint32(0x1c);
    const e = rejects(bad, 'crc_mismatch', 0x1c);
    expect(e.message).toContain(`header says 0xdeadbeef, computed 0x${stored.toString(16).padStart(8, '0')} over bytes 0x00-0x1b and 0x60-0x67`);
  });
  it('unaligned rodata is accepted (the reference loader does not check it)', () => {
    expect(parseHxe(buildImage({ rodata: Uint8Array.of(1, 2, 3) })).roLen).toBe(3);
  });
});

describe('metadata table errors', () => {
  it('meta_overlaps_rodata', () => {
    rejects(buildImage({ rodata: code(8), sections: [valueSection([])], metaOffset: 100 }), 'meta_overlaps_rodata', 0x40);
  });
  it('section_out_of_bounds: table runs past the file', () => {
    rejects(buildImage({ sections: [valueSection([])], metaCount: 50 }), 'section_out_of_bounds', 0x40);
  });
  it('section_out_of_bounds: section runs past the file', () => {
    const s = { ...valueSection([{ group: 1, id: 1 }]), size: 1000 };
    rejects(withSections(s), 'section_out_of_bounds', 96 + 8 + 4);
  });
  it('section_out_of_bounds: section inside the code', () => {
    const s = { ...valueSection([]), offset: 96 };
    expect(rejects(withSections(s), 'section_out_of_bounds', 96 + 8 + 4).message).toMatch(/inside the header, code or rodata/);
  });
  it('truncated_section: entry_count longer than the section', () => {
    const s = { ...valueSection([{ group: 1, id: 1 }]), count: 3 };
    rejects(withSections(s), 'truncated_section', 96 + 8 + 12);
  });
  it('truncated_section: .cmd entries', () => {
    rejects(withSections({ ...cmdSection([{ group: 1, id: 1 }]), count: 2 }), 'truncated_section');
  });
  it('duplicate_id: a value and a command share (group, id)', () => {
    const e = rejects(withSections(valueSection([{ group: 1, id: 7, name: 'speed' }]), cmdSection([{ group: 1, id: 7, name: 'reset' }])), 'duplicate_id');
    expect(e.message).toMatch(/group 1, id 7/);
  });
  it('duplicate_id: two values', () => {
    rejects(withSections(valueSection([{ group: 2, id: 1 }, { group: 2, id: 1 }])), 'duplicate_id');
  });
  it('unknown section types are ignored', () => {
    const img = parseHxe(withSections({ type: 9, payload: Uint8Array.of(1, 2, 3), count: 1 }, valueSection([{ group: 1, id: 1, name: 'a' }])));
    expect(img.values.map((v) => v.name)).toEqual(['a']);
  });
});

describe('string errors', () => {
  const sectionAt = 96 + 8 + 16;
  it('bad_string: offset past the section', () => {
    const s = valueSection([{ group: 1, id: 1, name: 'ab' }]);
    new DataView(s.payload.buffer).setUint16(6, 200);
    rejects(withSections(s), 'bad_string', sectionAt + 6);
  });
  it('bad_string: no terminating NUL', () => {
    const s = valueSection([{ group: 1, id: 1, name: 'ab' }]);
    rejects(withSections({ ...s, payload: s.payload.subarray(0, s.payload.length - 1) }), 'bad_string', sectionAt + 20);
  });
  it('bad_string: not UTF-8', () => {
    const s = valueSection([{ group: 1, id: 1, name: 'ab' }]);
    s.payload[20] = 0xff;
    rejects(withSections(s), 'bad_string', sectionAt + 20);
  });
  it('decodes UTF-8 names, units and f16 values', () => {
    const img = parseHxe(withSections(valueSection([{ group: 1, id: 1, name: 'Drehzahl', unit: '°C', init: 0xb400, persist: 7 }])));
    expect(img.values[0]).toMatchObject({ name: 'Drehzahl', unit: '°C', initRaw: 0xb400, init: -0.25, persistKey: 7 });
  });
});

describe('.mailbox', () => {
  it('bad_mailbox_json: does not parse', () => {
    rejects(mailboxes('{"mailboxes": [}'), 'bad_mailbox_json', 96 + 8 + 16);
  });
  it('bad_mailbox_json: target without a namespace', () => {
    expect(rejects(mailboxes([{ target: 'log' }]), 'bad_mailbox_json').message).toMatch(/mailboxes\[0\]\.target/);
  });
  it('bad_mailbox_json: unknown mode name', () => {
    rejects(mailboxes([{ target: 'app:x', mode: 'RDWR|LOUD' }]), 'bad_mailbox_json');
  });
  it('bad_mailbox_json: mode and mode_mask disagree', () => {
    rejects(mailboxes([{ target: 'app:x', mode: 'RDONLY', mode_mask: 2 }]), 'bad_mailbox_json');
  });
  it('bad_mailbox_json: unsupported document version', () => {
    rejects(mailboxes({ version: 2, mailboxes: [] }), 'bad_mailbox_json');
  });
  it('bad_mailbox_json: negative capacity', () => {
    rejects(mailboxes([{ target: 'app:x', capacity: -1 }]), 'bad_mailbox_json');
  });
  it('duplicate_mailbox: JSON', () => {
    rejects(mailboxes([{ target: 'app:x' }, { target: 'app:x', capacity: 8 }]), 'duplicate_mailbox');
  });
  it('duplicate_mailbox: legacy', () => {
    rejects(withSections(legacyMailboxSection([{ name: 'q', depth: 4, flags: 1 }, { name: 'q', depth: 8, flags: 1 }])), 'duplicate_mailbox');
  });
  it('bad_mailbox: legacy entry without a name', () => {
    rejects(withSections(legacyMailboxSection([{ name: null, depth: 4, flags: 1 }])), 'bad_mailbox');
  });
  it('truncated_section: legacy entries longer than the section', () => {
    rejects(withSections({ ...legacyMailboxSection([{ name: 'q', depth: 4, flags: 1 }]), count: 4 }), 'truncated_section');
  });
  it('accepts a bare array, mode strings, defaults, owner and bindings', () => {
    const img = parseHxe(
      mailboxes([
        { target: 'svc:log' },
        { target: 'shared:m', capacity: 0, mode: 'WRONLY | FANOUT_BLOCK', owner_pid: 3, bindings: [{ pid: 4, flags: 1 }, { pid: 5 }] },
      ]),
    );
    expect(img.mailboxForm).toBe('json');
    expect(img.mailboxes).toEqual([
      { target: 'svc:log', capacity: 64, modeMask: 0x03, ownerPid: null, bindings: [] },
      { target: 'shared:m', capacity: 64, modeMask: 0x22, ownerPid: 3, bindings: [{ pid: 4, flags: 1 }, { pid: 5, flags: 0 }] },
    ]);
  });
  it('decodes the legacy struct form', () => {
    const img = parseHxe(withSections(legacyMailboxSection([{ name: 'rx', depth: 0, flags: 1 }, { name: 'tx', depth: 16, flags: 2 }])));
    expect(img.mailboxForm).toBe('legacy');
    expect(img.mailboxes).toEqual([
      { target: 'rx', capacity: 64, modeMask: 1, ownerPid: null, bindings: [] },
      { target: 'tx', capacity: 16, modeMask: 2, ownerPid: null, bindings: [] },
    ]);
  });
});

describe('header decoding', () => {
  it('v1 images always allow multiple instances and have no name', () => {
    const img = parseHxe(buildImage({ version: 1, flags: 0 }));
    expect(img).toMatchObject({ version: 1, allowMultipleInstances: true, appName: null, metaOffset: 0 });
  });
  it('v2 app_name is trimmed; blank means unnamed; flags bit 1 allows instances', () => {
    expect(parseHxe(buildImage({ appName: '  pump ', flags: 2 }))).toMatchObject({ appName: 'pump', allowMultipleInstances: true });
    expect(parseHxe(buildImage({ appName: '   ' })).appName).toBeNull();
  });
});

describe('streaming-only errors', () => {
  it('size_mismatch: more bytes than announced', () => {
    const b = buildImage();
    const v = new HxeStreamVerifier({ totalSize: b.length - 1 });
    expect(() => v.push(b)).toThrow(expect.objectContaining({ code: 'size_mismatch' }));
  });
  it('truncated: end() before every byte arrived', () => {
    const b = buildImage();
    const v = new HxeStreamVerifier({ totalSize: b.length });
    v.push(b.subarray(0, b.length - 2));
    expect(() => v.end()).toThrow(expect.objectContaining({ code: 'truncated', offset: b.length - 2 }));
  });
});

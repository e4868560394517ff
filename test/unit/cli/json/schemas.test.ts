/** The --json registry: the committed docs/schemas/ files are what the generator writes, and the schemas are strict. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JSON_LINES, parseJsonLine } from '../../../../src/cli/json/index.js';
import { crc32Hex } from '../../../../src/cli/json/common.js';
import { schemaFiles } from '../../../../src/cli/json/schema-files.js';
import type { HilbridgeError} from '../../../../src/errors.js';
import { InterruptedError, LinkError, OffsetError, UsageError, asHilbridgeError } from '../../../../src/errors.js';
import { DescriptionError } from '../../../../src/hxe/description-error.js';
import { FramError } from '../../../../src/fram/errors.js';
import { TargetError, WireCode } from '../../../../src/protocol/messages-codes.js';

const DIR = fileURLToPath(new URL('../../../../docs/schemas/', import.meta.url));

describe('docs/schemas', () => {
  it('holds exactly the generated files, byte for byte (run `npm run schemas` after changing src/cli/json)', () => {
    const want = schemaFiles();
    const have = readdirSync(DIR).filter((n) => n.endsWith('.schema.json')).sort();
    expect(have).toEqual(Object.keys(want).sort());
    for (const [name, text] of Object.entries(want)) expect(readFileSync(DIR + name, 'utf8'), name).toBe(text);
  });

  it('one file per event of the registry, each a closed object (or a union of closed objects) naming its event', () => {
    const files = schemaFiles();
    for (const event of Object.keys(JSON_LINES)) {
      const schema = JSON.parse(files[`${event}.schema.json`]!) as { title: string; additionalProperties?: boolean; oneOf?: { additionalProperties: boolean }[] };
      expect(schema.title).toBe(event);
      for (const s of schema.oneOf ?? [schema]) expect(s.additionalProperties).toBe(false);
    }
  });
});

describe('parseJsonLine', () => {
  const line = { event: 'ending', heldBytes: 10, size: 20 };
  it('accepts a line of the vocabulary', () => expect(parseJsonLine(line)).toEqual(line));
  it('refuses an unknown event, a missing event, an extra key, a missing key', () => {
    expect(() => parseJsonLine({ ...line, event: 'finished' })).toThrow(/not a line of the --json vocabulary: event "finished"/);
    expect(() => parseJsonLine({ type: 'ending', heldBytes: 10, size: 20 })).toThrow(/event undefined/);
    expect(() => parseJsonLine({ ...line, extra: 1 })).toThrow(/extra/);
    expect(() => parseJsonLine({ event: 'ending', heldBytes: 10 })).toThrow(/size/);
  });
  it('a CRC-32 is 8 lowercase hex digits without 0x', () => {
    expect(crc32Hex(0x1c291ca3)).toBe('1c291ca3');
    expect(crc32Hex(5)).toBe('00000005');
    expect(crc32Hex(-1)).toBe('ffffffff');
    const packed = { event: 'packed', path: 'a.hxe', size: 1, headerCrc32: '1c291ca3', fileCrc32: '0000abcd', sha256: 'a'.repeat(64) };
    expect(parseJsonLine(packed)).toEqual(packed);
    expect(() => parseJsonLine({ ...packed, fileCrc32: '0x0000abcd' })).toThrow();
    expect(() => parseJsonLine({ ...packed, fileCrc32: 43981 })).toThrow();
  });
});

describe('the error line', () => {
  it("takes every error class's toJSON as its error object (what run.ts and a failed flash result print)", () => {
    const errors: HilbridgeError[] = [
      new UsageError('invalid_option', '--node "five" is not a whole number in 1..254'),
      new LinkError('peer_timeout', 'emulator', 'no answer from emulator'),
      new TargetError(WireCode.EINVAL, '/dev/ttyUSB0', 'CONFIRM failed', 'no image is active'),
      new TargetError(WireCode.ENOSPC, 'can0 node 5', 'NACK', '', 4096),
      new InterruptedError('SIGINT', 'interrupted (SIGINT)'),
      new DescriptionError('bad_description', 'mailboxes[0].mode', 'app.json: mailboxes[0].mode: LOUD'),
      new DescriptionError('bad_description', undefined, 'app.json: not an object'),
      new OffsetError('crc_mismatch', 'CRC-32 mismatch', 0x1c),
      new FramError('fram_too_small', 'too small'),
      asHilbridgeError(new Error('boom')),
    ];
    for (const e of errors) {
      const line = { event: 'error', ok: false, error: e.toJSON() };
      expect(parseJsonLine(JSON.parse(JSON.stringify(line))), e.name).toEqual(JSON.parse(JSON.stringify(line)));
    }
    expect(() => parseJsonLine({ ok: false, error: new UsageError('x', 'y').toJSON() })).toThrow(/event undefined/); // the pre-vocabulary form
  });
});

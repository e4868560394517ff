/**
 * The writer reproduces the original linker's bytes: each v2 fixture, rebuilt
 * from its description in test/fixtures/pack and its code, is identical.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HEADER_V2_SIZE, Off } from '../../../src/hxe/constants.js';
import { descriptionToInput, parseDescription } from '../../../src/hxe/description.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import { writeHxe } from '../../../src/hxe/writer.js';
import { FIXTURES, PACK_DIR, V2_CASES, expectSameBytes, firstDiff, readFixture } from './writer-helpers.js';

const expected = JSON.parse(readFileSync(`${FIXTURES}hsx/expected.json`, 'utf8')) as Record<string, { sha256: string; crc32: number }>;

describe.each(V2_CASES)('writeHxe reproduces v2/$name.hxe', ({ name, desc, format }) => {
  const fixture = readFixture(name);
  const view = new DataView(fixture.buffer, fixture.byteOffset);
  const codeLen = view.getUint32(Off.codeLen);

  it('the committed code file is the fixture code segment', () => {
    const code = readFileSync(`${PACK_DIR}${name}.code.bin`);
    expectSameBytes(code, fixture.subarray(HEADER_V2_SIZE, HEADER_V2_SIZE + codeLen));
  });

  it('byte for byte from the description and the code extracted from the fixture', () => {
    const d = parseDescription(readFileSync(`${PACK_DIR}${desc}`, 'utf8'), format, desc);
    const image = writeHxe(descriptionToInput(d, fixture.slice(HEADER_V2_SIZE, HEADER_V2_SIZE + codeLen)));
    expectSameBytes(image, fixture);
    expect(createHash('sha256').update(image).digest('hex')).toBe(expected[`v2/${name}.hxe`]?.sha256);
  });

  it('writes the CRC the toolchain stored, and the parser accepts the image', () => {
    const d = parseDescription(readFileSync(`${PACK_DIR}${desc}`, 'utf8'), format, desc);
    const image = writeHxe(descriptionToInput(d, fixture.slice(HEADER_V2_SIZE, HEADER_V2_SIZE + codeLen)));
    expect(new DataView(image.buffer).getUint32(Off.crc32)).toBe(expected[`v2/${name}.hxe`]?.crc32);
    expect(parseHxe(image).computedCrc32).toBe(view.getUint32(Off.crc32));
  });
});

describe('expectSameBytes helper', () => {
  it('finds the first differing offset, including length differences', () => {
    expect(firstDiff(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(-1);
    expect(firstDiff(Uint8Array.of(1, 9, 3), Uint8Array.of(1, 2, 3))).toBe(1);
    expect(firstDiff(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(2);
  });
});

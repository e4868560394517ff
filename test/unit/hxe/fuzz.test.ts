/** Fuzz: random and mutated inputs never throw anything but ImageError, and always finish. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../../src/hxe/errors.js';
import { inspectHxe, parseHxe } from '../../../src/hxe/parse.js';
import { buildImage, cmdSection, fixCrc, jsonMailboxSection, legacyMailboxSection, valueSection } from './helpers/build-image.js';
import { fixtureBytes, fixtureNames } from './helpers/fixtures.js';

/** parseHxe either returns or throws an ImageError; inspectHxe agrees with it. */
function checkTyped(bytes: Uint8Array): void {
  let thrown: unknown;
  try {
    parseHxe(bytes);
  } catch (e) {
    thrown = e;
  }
  if (thrown !== undefined) expect(thrown).toBeInstanceOf(ImageError);
  expect(inspectHxe(bytes).valid).toBe(thrown === undefined);
}

const HSXE = Uint8Array.of(0x48, 0x53, 0x58, 0x45);
const seeds = [
  ...fixtureNames.map(fixtureBytes),
  buildImage({ sections: [valueSection([{ group: 1, id: 1, name: 'a', unit: 'b' }]), cmdSection([{ group: 1, id: 2, name: 'c', help: 'd' }])] }),
  buildImage({ sections: [legacyMailboxSection([{ name: 'q', depth: 4, flags: 3 }])] }),
  buildImage({ sections: [jsonMailboxSection([{ target: 'app:x', mode: 'RDWR', bindings: [{ pid: 1 }] }])] }),
];

describe('fuzz', () => {
  it('random bytes (with and without a valid magic/version and CRC)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(0, 1, 2), fc.boolean(), (raw, version, fix) => {
        const b = raw.slice();
        if (version && b.length >= 6) {
          b.set(HSXE, 0);
          b[4] = 0;
          b[5] = version;
        }
        checkTyped(fix && b.length >= 96 ? fixCrc(b) : b);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated real and hand-made images (byte edits, truncation, extension, CRC fixed or not)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.uint8Array({ maxLength: 32 }),
        fc.boolean(),
        (seed, edits, cut, extra, fix) => {
          let b = seed.slice();
          for (const [i, x] of edits) b[i % b.length] = x;
          if (cut !== undefined) b = b.subarray(0, cut % (b.length + 1)).slice();
          const out = new Uint8Array(b.length + extra.length);
          out.set(b);
          out.set(extra, b.length);
          checkTyped(fix && out.length >= 96 ? fixCrc(out) : out);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('structured metadata with random section tables and payloads, CRC always valid', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.constantFrom(1, 2, 3, 7), payload: fc.uint8Array({ maxLength: 120 }), count: fc.nat(8) }), { maxLength: 4 }),
        (sections) => checkTyped(buildImage({ sections })),
      ),
      { numRuns: 3000 },
    );
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleHex, examples } from './messages-examples.js';

/** Every worked example in docs/protocol.md must be exactly what the encoders put on the wire. */
describe('docs/protocol.md worked examples', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  it.each(examples.map((e) => [e.label, e] as const))('%s is byte-exact in the document', (_label, e) => {
    expect(doc).toContain(exampleHex(e));
  });
});

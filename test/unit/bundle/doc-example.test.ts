/** docs/bundle.md stays true: its worked example is buildBundle's output byte for byte, and its error table lists every code. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ERROR_CODES, buildBundle, manifestJson, parseBundle } from '../../../src/bundle/index.js';
import { testKey } from './helpers.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/bundle.md', import.meta.url)), 'utf8');

/** The annotated dump: "<offset>  <hex bytes>  <comment>" lines; each offset must follow on from the bytes before it. */
function exampleBytes(): Uint8Array {
  const block = doc.slice(doc.indexOf('<!-- bundle-example:start -->'), doc.indexOf('<!-- bundle-example:end -->'));
  const out: number[] = [];
  for (const line of block.split('\n')) {
    const m = /^([0-9a-f]{4}) {2}((?:[0-9a-f]{2} ?)+)/.exec(line);
    if (!m) continue;
    expect(parseInt(m[1]!, 16), `offset of line "${line}"`).toBe(out.length);
    out.push(...m[2]!.trim().split(' ').map((h) => parseInt(h, 16)));
  }
  return Uint8Array.from(out);
}

const example = (): Uint8Array =>
  buildBundle([{ kind: 'data', name: 'greeting', bytes: new TextEncoder().encode('hello') }], { name: 'example', vendor: 'acme', boardClass: 'hsx-a', securityCounter: 1, signer: testKey }).bytes;

describe('docs/bundle.md', () => {
  it('the worked example is buildBundle output, byte for byte, with the SHA-256 the text gives', () => {
    const documented = exampleBytes();
    const built = example();
    expect(documented.length).toBe(432);
    expect(Buffer.from(documented).toString('hex')).toBe(Buffer.from(built).toString('hex'));
    expect(doc).toContain(createHash('sha256').update(built).digest('hex'));
  });

  it('the JSON manifest shown is manifestJson of the example', () => {
    expect(doc).toContain('```json\n' + manifestJson(parseBundle(example())) + '```');
  });

  it('the error table lists every code, in order', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_0-9]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual([...BUNDLE_ERROR_CODES]);
  });
});

/**
 * docs/protocol.md section 3.4 shows candump captures and what `hilbridge
 * decode` prints for them: run the real command on every capture there and
 * compare with the text shown. A capture block is compared exactly with the
 * output block after it; the other captures before that output (the same
 * frame in another identifier format) must print the same messages and notes,
 * up to the line number a note is placed at (their summaries count other
 * numbers of CAN frames).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCandumpLine } from '../../../src/protocol/candump.js';
import { runCli } from '../../integration/cli-harness.js';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`docs/protocol.md has no "${heading}"`);
  const end = text.indexOf('\n## ', start);
  return text.slice(start, end < 0 ? undefined : end);
}

const blocks = [...section(doc, '### 3.4 Worked example').matchAll(/```\n([\s\S]*?)\n```/g)].map((m) => m[1]!.split('\n'));
const isCapture = (lines: string[]): boolean => lines.every((l, i) => parseCandumpLine(l, i + 1).kind === 'frame');
const isOutput = (lines: string[]): boolean => lines.at(-1)!.startsWith('summary: ');
const anyLine = (text: string): string => text.replace(/^line \d+ /gm, 'line N ');

/** Each output block with the capture blocks since the previous output block (nearest last). */
function pairs(): { captures: string[][]; output: string[] }[] {
  const out: { captures: string[][]; output: string[] }[] = [];
  let captures: string[][] = [];
  for (const b of blocks) {
    if (isCapture(b)) captures.push(b);
    else if (isOutput(b)) {
      out.push({ captures, output: b });
      captures = [];
    }
  }
  return out;
}

async function decode(lines: string[]): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'hilbridge-docex-')), 'cap.log');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await runCli('decode', file);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

describe('docs/protocol.md 3.4: the captures decode as shown', () => {
  it('has captures with their decoded output (the section 1.4 frame and a real exchange)', () => {
    const p = pairs();
    expect(p).toHaveLength(2);
    expect(p[0]!.captures).toHaveLength(3);
    expect(p[1]!.captures).toHaveLength(1);
  });

  it.each(pairs().map((p, i) => [i, p] as const))('output block %i is what hilbridge decode prints', async (_i, { captures, output }) => {
    const shown = output.join('\n') + '\n';
    expect(await decode(captures.at(-1)!)).toBe(shown);
    const entries = (text: string): string => anyLine(text.split('\n').filter((l) => !l.startsWith('summary: ')).join('\n'));
    for (const c of captures.slice(0, -1)) expect(entries(await decode(c))).toBe(entries(shown));
  });
});

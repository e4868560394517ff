/**
 * `hilbridge decode` input handling as a process: `-` reads a pipe, a
 * terminal on stdin is refused with a hint, unreadable lines are listed by
 * number (the first MAX_LISTED) while decoding goes on, and a huge line on
 * stdin costs one cap of memory.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED } from '../../../src/cli/commands/decode.js';
import { hilbridge, ROOT } from './child-cli.js';
import { jsonLines } from '../../integration/cli-harness.js';

// STATUS from the host to node 5 and the board's RESULT EEXIST (see decode.test.ts for the byte annotation)
const CAPTURE = [
  '(1700000000.000100) vcan0 4A0#4842010C00000000',
  '(1700000000.000200) vcan0 4A1#00000001BD6F0FF3',
  '(1700000000.001000) vcan0 0A0#4842011300060100',
  '(1700000000.001100) vcan0 0A1#000000010005FFFF',
  '(1700000000.001200) vcan0 0A2#FFFF33A6B720',
];

/** `hilbridge ...args` with `input` piped into its stdin. */
function piped(input: string | Buffer, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('hilbridge decode input', () => {
  it("'-' decodes a capture piped into stdin", async () => {
    const r = await piped(CAPTURE.join('\n') + '\n', 'decode', '-');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('1700000000.000200 vcan0 node 5 host>node STATUS session=0 seq=1');
    expect(lines[1]).toBe('1700000000.001200 vcan0 node 5 node>host RESULT session=0 seq=1 code=EEXIST offset=null detail=');
    expect(lines[2]).toMatch(/^summary: 5 CAN frames, 2 messages, /);
  });

  it('/dev/stdin reads the pipe as - does (it is no regular file, so it must never reach the file checks)', async () => {
    const r = await piped(CAPTURE.join('\n') + '\n', 'decode', '/dev/stdin');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^summary: 5 CAN frames, 2 messages, /m);
  });

  it('empty input is no capture: exit 2 (not_a_capture), not an empty summary', async () => {
    const r = await piped('', 'decode', '-');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[not_a_capture\]: stdin holds no capture line \(it is empty\)/);
  });

  it('a terminal on stdin is a usage error that says to pipe a capture', async () => {
    const cmd = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(join(ROOT, 'src/cli/main.ts'))} decode -; echo "exit=$?"`;
    const out = await new Promise<string>((resolve) => {
      execFile('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT }, (_e, stdout) => resolve(stdout));
    });
    expect(out).toMatch(/error \[stdin_is_tty\]: decode -: stdin is a terminal, not a capture; pipe one in/);
    expect(out).toMatch(/exit=2/);
  });

  it('unreadable lines are listed by number (the first MAX_LISTED), counted, and decoding goes on', async () => {
    const bad = Array.from({ length: MAX_LISTED + 3 }, (_, i) => `garbage ${i}`);
    const lines = [CAPTURE[0]!, ...bad, ...CAPTURE.slice(1), 'x'.repeat(5000)];
    const r = await piped(lines.join('\n'), 'decode', '-');
    expect(r.code).toBe(0);
    const errs = r.stderr.trim().split('\n');
    expect(errs[0]).toBe('line 2: not a candump line: garbage 0');
    expect(errs).toHaveLength(MAX_LISTED + 1);
    expect(errs[MAX_LISTED - 1]).toBe(`line ${MAX_LISTED + 1}: not a candump line: garbage ${MAX_LISTED - 1}`);
    expect(errs[MAX_LISTED]).toBe(`${MAX_LISTED + 3 + 1 - MAX_LISTED} more unreadable lines not listed (${MAX_LISTED + 4} in all)`);
    expect(r.stdout).toMatch(/STATUS session=0 seq=1\n.*RESULT session=0 seq=1 code=EEXIST/);
    expect(r.stdout).toMatch(/, 14 unreadable lines\n$/);
    const j = await piped(lines.join('\n'), 'decode', '-', '--json');
    const objs = jsonLines(j.stdout);
    const unreadable = objs.filter((o) => o.event === 'unreadable');
    expect(unreadable).toHaveLength(MAX_LISTED);
    expect(unreadable[0]).toEqual({ event: 'unreadable', line: 2, reason: 'not_a_capture_line', text: 'garbage 0' });
    expect(objs.at(-1)).toMatchObject({ event: 'summary', messages: 2, unparsedLines: MAX_LISTED + 4 });
  });

  it('a line far longer than the cap is one unreadable line, shown cut short; a long line in a file too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-decode-'));
    const file = join(dir, 'long.log');
    writeFileSync(file, [CAPTURE[0], 'A'.repeat(3_000_000), ...CAPTURE.slice(1)].join('\n'));
    const r = await hilbridge('decode', file);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`line 2: longer than 1024 characters: ${'A'.repeat(80)}...\n`);
    expect(r.stdout).toMatch(/RESULT session=0 seq=1 code=EEXIST/);
    const p = await piped(Buffer.alloc(8_000_000, 0x41), 'decode', '-');
    expect(p).toMatchObject({ code: 2, stderr: expect.stringContaining('[not_a_capture]: stdin holds no capture line (line 1 is not one)') as unknown });
  });
});

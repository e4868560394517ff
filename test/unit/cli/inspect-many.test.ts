/** `hilbridge inspect` with several files of every kind, text output: each gets its own line, in order, and the exit code sums them up. */
import { describe, expect, it } from 'vitest';
import { hilbridge } from './child-cli.js';

describe('hilbridge inspect <many>', () => {
  it('valid, a directory, invalid, missing, valid: five results in order, typed errors, exit 2', async () => {
    const files = ['samples/calib.hxe', 'samples', 'README.md', '/nonexistent/x.hxe', 'samples/telemetry.hxe'];
    const r = await hilbridge('inspect', ...files);
    const heads = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(' '));
    expect(heads).toEqual([
      'samples/calib.hxe: valid HXE v2 image',
      'samples: ERROR [file_is_directory] image "samples" is a directory: name a file in it',
      expect.stringMatching(/^README\.md: INVALID \[bad_magic\] /) as unknown,
      '/nonexistent/x.hxe: ERROR [file_unreadable] cannot read image "/nonexistent/x.hxe": no such file',
      'samples/telemetry.hxe: valid HXE v2 image',
    ]);
    expect(r.code).toBe(2);
  }, 30_000);
});

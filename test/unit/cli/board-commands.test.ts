/** The pure parts of the board commands: status rendering, --limits/--caps/--slot parsing, and option errors before any link opens. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseLimits } from '../../../src/cli/commands/target.js';
import { statusJson, statusText } from '../../../src/cli/commands/status.js';
import { slotOption } from '../../../src/cli/link-commands.js';
import { ANY_SLOT, type StatusInfoMsg } from '../../../src/protocol/messages-types.js';
import { runCli } from '../../integration/cli-harness.js';

const SHA = 'ab'.repeat(32);
const failedTrial: StatusInfoMsg = {
  kind: 'status_info',
  state: 'FAILED',
  session: 0,
  size: 0,
  held: 0,
  slots: [
    { slot: 0, state: 'previous', app: 'calib', size: 400, crc32: 0x237bfa6e, sha256: SHA },
    { slot: 1, state: 'trial', app: 'motor_ctl', size: 392, crc32: 0xbf4d9afc },
  ],
  bootCount: 2,
  lastError: { code: 'missing_capability', message: 'the image needs fram' },
};

describe('status rendering', () => {
  it('--json: active is the trial/active slot, the file CRC-32 as 8 hex digits, missing fields null', () => {
    expect(statusJson('node 5 on vcan0', 'hsx-virtual', failedTrial)).toEqual({
      event: 'status',
      link: 'node 5 on vcan0',
      identity: 'hsx-virtual',
      state: 'FAILED',
      trial: true,
      active: { slot: 1, state: 'trial', appName: 'motor_ctl', size: 392, fileCrc32: 'bf4d9afc', sha256: null },
      slots: [
        { slot: 0, state: 'previous', appName: 'calib', size: 400, fileCrc32: '237bfa6e', sha256: SHA },
        { slot: 1, state: 'trial', appName: 'motor_ctl', size: 392, fileCrc32: 'bf4d9afc', sha256: null },
      ],
      bootCount: 2,
      lastError: { code: 'missing_capability', message: 'the image needs fram' },
      damage: [],
      session: null,
      lastEvent: null,
      staged: null,
      bundle: null,
    });
  });

  it('text and --json show storage damage the board reports', () => {
    const damage = [{ code: 'superblock_copy_corrupt', offset: 0x80, message: 'superblock copy at 0x0080 is committed but fails its CRC' }];
    expect(statusJson('l', 'i', { ...failedTrial, damage }).damage).toEqual(damage);
    expect(statusText('l', 'i', { ...failedTrial, damage })).toContain('DAMAGE      [superblock_copy_corrupt] at 0x80: superblock copy at 0x0080 is committed but fails its CRC');
  });

  it('text: says what an older board does not report, and a session in progress', () => {
    const { bootCount: _b, lastError: _l, ...old } = failedTrial;
    const text = statusText('/dev/ttyUSB0', 'hsx', { ...old, session: 7, size: 1000, held: 250 });
    expect(text.split('\n')).toEqual([
      '/dev/ttyUSB0: hsx, state FAILED',
      'active      slot B (trial, not confirmed): motor_ctl',
      'boot count  not reported',
      'last error  not reported',
      'session     7: 250 of 1000 bytes held',
      'slots',
      `  slot A  previous calib, 400 bytes, crc32 0x237bfa6e, sha256 ${SHA}`,
      '  slot B  trial    motor_ctl, 392 bytes, crc32 0xbf4d9afc',
    ]);
  });
});

describe('option parsing', () => {
  it('--limits overrides the named budgets only, and names a bad entry', () => {
    expect(parseLimits('code=0x8000,stack=1024')).toEqual({ code: 0x8000, rodata: 0x10000, ram: 0x8000, stack: 1024 });
    expect(() => parseLimits('heap=1')).toThrow(/--limits: "heap=1" is not one of code=, rodata=, ram=, stack=/);
    expect(() => parseLimits('ram=lots')).toThrow(UsageError);
  });

  it('--slot is 0..254, absent means the board chooses', () => {
    expect(slotOption({})).toBe(ANY_SLOT);
    expect(slotOption({ slot: '1' })).toBe(1);
    expect(() => slotOption({ slot: '255' })).toThrow(/--slot "255"/);
  });

  it('target refuses bad options with exit 2 before opening the link', async () => {
    const link = ['--link', 'emulator,pair=never-served'];
    expect((await runCli('target', ...link)).stderr).toContain('needs --fram <file>');
    const caps = await runCli('target', ...link, '--fram', '/tmp/unused.fram', '--caps', 'all');
    expect(caps).toMatchObject({ code: 2, stderr: expect.stringContaining('--caps "all"') as unknown });
    const lim = await runCli('target', ...link, '--fram', '/tmp/unused.fram', '--limits', 'code=');
    expect(lim.code).toBe(2);
    expect((await runCli('rollback', '--uart', '/dev/null', '--slot', 'x')).stderr).toContain('--slot "x"');
  });
});

/** The default link from the environment (HILBRIDGE_UART/_BAUD, HILBRIDGE_CAN/_NODE): planned, overridden by options, named in output. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { linkFromEnv, planLink } from '../../../src/cli/link.js';
import { exitCodeFor } from '../../../src/cli/run.js';
import { hilbridgeEnv } from './child-cli.js';

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect(exitCodeFor(e)).toBe(2);
    return e as UsageError;
  }
  throw new Error('accepted');
}

describe('planLink with the environment', () => {
  it('HILBRIDGE_UART (+ HILBRIDGE_BAUD) is the link when no option names one, and the plan says where it came from', () => {
    const p = planLink({}, { HILBRIDGE_UART: '/dev/ttyUSB0', HILBRIDGE_BAUD: '921600' });
    expect(p.spec).toMatchObject({ kind: 'uart', address: '/dev/ttyUSB0', bitRate: 921600 });
    expect(p.from).toBe('HILBRIDGE_UART');
    expect(planLink({ baud: '230400' }, { HILBRIDGE_UART: '/dev/ttyUSB0', HILBRIDGE_BAUD: '921600' }).spec.bitRate).toBe(230400);
  });

  it('HILBRIDGE_CAN (+ HILBRIDGE_NODE, or --node) is the link when no option names one', () => {
    const p = planLink({}, { HILBRIDGE_CAN: 'can0', HILBRIDGE_NODE: '5' });
    expect(p).toMatchObject({ node: 5, from: 'HILBRIDGE_CAN', spec: { kind: 'can', address: 'can0' } });
    expect(planLink({ node: '7', fd: true }, { HILBRIDGE_CAN: 'can0', HILBRIDGE_NODE: '5' })).toMatchObject({ node: 7, spec: { options: { fd: '1' } } });
  });

  it('an option naming a link wins over both variables', () => {
    const env = { HILBRIDGE_UART: '/dev/ttyUSB0', HILBRIDGE_CAN: 'can0', HILBRIDGE_NODE: '5' };
    expect(planLink({ uart: '/dev/ttyACM0' }, env)).toMatchObject({ from: undefined, spec: { address: '/dev/ttyACM0' } });
    expect(planLink({ can: 'vcan0', node: '2' }, env)).toMatchObject({ from: undefined, node: 2, spec: { address: 'vcan0' } });
    expect(planLink({ link: 'emulator' }, env).spec.kind).toBe('emulator');
  });

  it('both variables set is a usage error naming both; empty ones count as unset', () => {
    const e = usage(() => planLink({}, { HILBRIDGE_UART: '/dev/ttyUSB0', HILBRIDGE_CAN: 'can0' }));
    expect(e.code).toBe('conflicting_link');
    expect(e.message).toMatch(/HILBRIDGE_UART \(\/dev\/ttyUSB0\) and HILBRIDGE_CAN \(can0\)/);
    expect(planLink({}, { HILBRIDGE_UART: '/dev/ttyUSB0', HILBRIDGE_CAN: '' }).spec.address).toBe('/dev/ttyUSB0');
    expect(usage(() => planLink({}, { HILBRIDGE_UART: ' ' })).message).toContain('set HILBRIDGE_UART or HILBRIDGE_CAN');
  });

  it('bad values name the variable', () => {
    expect(usage(() => planLink({}, { HILBRIDGE_UART: '/dev/x', HILBRIDGE_BAUD: 'fast' })).message).toContain('HILBRIDGE_BAUD "fast"');
    expect(usage(() => planLink({}, { HILBRIDGE_CAN: 'can0', HILBRIDGE_NODE: '300' })).message).toContain('HILBRIDGE_NODE "300"');
    expect(usage(() => planLink({}, { HILBRIDGE_CAN: 'can0' })).message).toContain('HILBRIDGE_CAN=can0 needs --node <id> or HILBRIDGE_NODE');
    expect(usage(() => planLink({ node: '3' }, { HILBRIDGE_UART: '/dev/x' })).message).toContain('--node applies to CAN links only, not HILBRIDGE_UART=/dev/x');
  });

  it('linkFromEnv leaves options that name a link alone', () => {
    expect(linkFromEnv({ link: 'emulator' }, { HILBRIDGE_UART: '/dev/x' })).toEqual({ link: 'emulator' });
  });
});

describe('the default link, in the real program', () => {
  const env = { HILBRIDGE_UART: '', HILBRIDGE_CAN: '', HILBRIDGE_BAUD: '', HILBRIDGE_NODE: '' };

  it('a board command uses HILBRIDGE_UART and says so', async () => {
    const r = await hilbridgeEnv({ ...env, HILBRIDGE_UART: '/nonexistent/ttyUSB9' }, 'abort', '--timeout', '20');
    expect(r.stderr).toContain('hilbridge: link from HILBRIDGE_UART: /nonexistent/ttyUSB9');
    expect(r.stderr).toContain('/nonexistent/ttyUSB9 does not exist');
    expect(r.code).toBe(3);
  }, 30_000);

  it('an explicit link wins (nothing said about the environment); both variables set exits 2 naming both', async () => {
    const won = await hilbridgeEnv({ ...env, HILBRIDGE_UART: '/nonexistent/ttyUSB9' }, 'abort', '--link', 'emulator', '--timeout', '20');
    expect(won.stderr).not.toContain('HILBRIDGE');
    expect(won.stderr).toContain('no answer from emulator');
    const both = await hilbridgeEnv({ ...env, HILBRIDGE_UART: '/dev/ttyUSB0', HILBRIDGE_CAN: 'can0' }, 'status');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/\[conflicting_link\]: both HILBRIDGE_UART \(\/dev\/ttyUSB0\) and HILBRIDGE_CAN \(can0\) are set/);
  }, 30_000);
});

/** The common link options: validation (UsageError naming the option) and what the flags add to the library's link. */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { cliPairs, openPlannedLink, planLink, type LinkCliOptions } from '../../../src/cli/link.js';
import { exitCodeFor } from '../../../src/cli/run.js';

function usage(o: LinkCliOptions): UsageError {
  try {
    planLink(o);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect(exitCodeFor(e)).toBe(2);
    return e as UsageError;
  }
  throw new Error('planLink accepted ' + JSON.stringify(o));
}

describe('planLink', () => {
  it('rejects a missing or doubled link, naming the options', () => {
    expect(usage({}).message).toMatch(/--uart <path>, --can <iface> --node <id>, or --link <spec>/);
    expect(usage({ uart: '/dev/x', can: 'vcan0', node: '1' }).message).toContain('--uart and --can');
  });

  it('names the bad option', () => {
    expect(usage({ can: 'vcan0' }).message).toContain('--node');
    expect(usage({ can: 'vcan0', node: 'five' }).message).toContain('--node "five"');
    expect(usage({ can: 'vcan0', node: '40' }).message).toMatch(/node 40 .* use 29-bit identifiers/);
    expect(usage({ uart: '/dev/x', baud: '-9' }).message).toContain('--baud "-9"');
    expect(usage({ uart: '/dev/x', timeout: '0' }).message).toContain('--timeout "0"');
    expect(usage({ uart: '/dev/x', fd: true }).message).toContain('--fd applies to --can links only');
    expect(usage({ can: 'vcan0', node: '3', baud: '9600' }).message).toContain('--baud applies to --uart links only');
    expect(usage({ uart: '/dev/x', node: '3' }).message).toContain('--node applies to CAN links only');
    expect(usage({ link: 'no such thing' }).code).toBe('bad_link_spec');
    expect(usage({ link: 'emulator:can', node: '3', fd: true }).message).toContain('use can:<iface>,fd=1 or emulator:canfd');
  });

  it('builds registry specs from --uart and --can, and folds --fd into a --link CAN spec', () => {
    const u = planLink({ uart: '/dev/ttyUSB0', baud: '921600', timeout: '50' });
    expect(u.spec).toMatchObject({ kind: 'uart', address: '/dev/ttyUSB0', bitRate: 921600 });
    expect(u.timeoutMs).toBe(50);
    const c = planLink({ can: 'vcan0', node: '200', ext: true, fd: true, json: true });
    expect(c).toMatchObject({ node: 200, idFormat: 'ext', json: true, timeoutMs: 500 });
    expect(c.spec).toMatchObject({ kind: 'can', address: 'vcan0', options: { fd: '1' } });
    expect(planLink({ link: 'can:vcan0', node: '2', fd: true }).spec).toMatchObject({ text: 'can:vcan0,fd=1', options: { fd: '1' } });
  });
});

describe('openPlannedLink', () => {
  it("adds the plan's timing and rate plan to the library's link", async () => {
    const link = await openPlannedLink(planLink({ link: 'emulator@115200', baudMax: '921600', timeout: '70' }), 'host');
    expect(link).toMatchObject({ timeoutMs: 70, profile: { medium: 'bytes' }, baud: { start: 115200 } });
    expect(link.baud?.control).toBe(link.lineRate);
    await link.close();
  });

  it("pairs `hilbridge target` and board commands of one process through the CLI's own EmulatorPairs", async () => {
    const target = await openPlannedLink(planLink({ link: 'emulator:can@1000000,pair=cli1', node: '4' }), 'target');
    expect(cliPairs.names).toContain('cli1');
    const host = await openPlannedLink(planLink({ link: 'emulator:can@1000000,pair=cli1', node: '4' }), 'host');
    const got = firstValueFrom(target.channel.frames$);
    await host.channel.send({ type: 0x0c, flags: 0, session: 0, seq: 9, payload: new Uint8Array(0) });
    expect(await got).toMatchObject({ type: 0x0c, seq: 9 });
    await host.close();
    await target.close();
    expect(cliPairs.names).not.toContain('cli1');
  });
});

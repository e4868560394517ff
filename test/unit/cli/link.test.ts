/** The common link options: validation (UsageError naming the option), opening through the registry, channel per framing and role. */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinkError, UsageError } from '../../../src/errors.js';
import { CLASSIC_CAN_CHUNK, CLASSIC_CAN_WINDOW, openLink, planLink, type LinkCliOptions } from '../../../src/cli/link.js';
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
  });

  it('builds registry specs from --uart and --can', () => {
    const u = planLink({ uart: '/dev/ttyUSB0', baud: '921600', timeout: '50' });
    expect(u.spec).toMatchObject({ kind: 'uart', address: '/dev/ttyUSB0', bitRate: 921600 });
    expect(u.timeoutMs).toBe(50);
    const c = planLink({ can: 'vcan0', node: '200', ext: true, fd: true, json: true });
    expect(c).toMatchObject({ node: 200, idFormat: 'ext', fd: true, json: true, timeoutMs: 500 });
    expect(c.spec).toMatchObject({ kind: 'can', address: 'vcan0', options: { fd: '1' } });
  });
});

describe('openLink', () => {
  it('wraps a byte-stream link in a host channel named after the link', async () => {
    const link = await openLink(planLink({ link: 'emulator' }), 'host');
    expect(link.transport.framing).toBe('bytes');
    expect(link.name).toBe(link.transport.name);
    expect(link).toMatchObject({ maxChunk: undefined, boardWindow: undefined });
    await link.close();
  });

  it('wraps a CAN link in a channel to the node, and requires --node for it', async () => {
    const link = await openLink(planLink({ link: 'emulator:can', node: '7' }), 'host');
    expect(link.name).toMatch(/^node 7 on /);
    // classic CAN: small chunks, and a board there takes 4 in flight (132 frames)
    expect(link).toMatchObject({ maxChunk: CLASSIC_CAN_CHUNK, boardWindow: CLASSIC_CAN_WINDOW });
    expect(CLASSIC_CAN_WINDOW * Math.ceil((CLASSIC_CAN_CHUNK + 20) / 8)).toBeLessThanOrEqual(140);
    await link.close();
    await expect(openLink(planLink({ link: 'emulator:can' }), 'host')).rejects.toMatchObject({ code: 'missing_node' });
  });

  it('pairs two ends of one emulated link in this process: host frames reach the target role', async () => {
    const target = await openLink(planLink({ link: 'emulator:can@1000000,pair=t1', node: '4' }), 'target');
    const host = await openLink(planLink({ link: 'emulator:can@1000000,pair=t1', node: '4' }), 'host');
    const got = firstValueFrom(target.channel.frames$);
    await host.channel.send({ type: 0x0c, flags: 0, session: 0, seq: 9, payload: new Uint8Array(0) });
    expect(await got).toMatchObject({ type: 0x0c, seq: 9, flags: 0 });
    await host.close();
    await target.close();
  });

  it('fails to open with a LinkError (exit 3) naming the link', async () => {
    const e: unknown = await openLink(planLink({ uart: '/nonexistent/ttyNOPE' }), 'host').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LinkError);
    expect(exitCodeFor(e)).toBe(3);
    expect((e as LinkError).message).toContain('/nonexistent/ttyNOPE');
    await expect(openLink(planLink({ link: 'carrier-pigeon:coop' }), 'host')).rejects.toMatchObject({ code: 'unsupported_link' });
  });
});

/** Link assembly (src/link): opening through the registry, the channel per framing and role, the profile per medium, explicit emulator pairs. */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinkError } from '../../../src/errors.js';
import { CLASSIC_CAN_CHUNK, CLASSIC_CAN_WINDOW, DEFAULT_MAX_FRAME, EmulatorPairs, frameChannel, linkProfile, openLink } from '../../../src/link/index.js';
import type { LinkTarget } from '../../../src/link/index.js';
import { parseLinkSpec } from '../../../src/transports/registry.js';
import { createEmulatedLink } from '../../../src/transports/emulator.js';

const to = (spec: string, node?: number): LinkTarget => ({ spec: parseLinkSpec(spec), node });

describe('openLink', () => {
  it('wraps a byte-stream link in a host channel named after the link, with the byte-stream profile', async () => {
    const link = await openLink(to('emulator'), 'host');
    expect(link.transport.framing).toBe('bytes');
    expect(link.name).toBe(link.transport.name);
    expect(link.channel.maxFrame).toBe(DEFAULT_MAX_FRAME);
    expect(link.profile).toEqual({ medium: 'bytes', maxFrame: DEFAULT_MAX_FRAME, maxChunk: undefined, window: undefined });
    expect(link.lineRate).toBeDefined();
    await link.close();
  });

  it('wraps a CAN link in a channel to the node, and requires a node id for it', async () => {
    const link = await openLink(to('emulator:can', 7), 'host');
    expect(link.name).toMatch(/^node 7 on /);
    // classic CAN: small chunks, and a board there takes 4 in flight (132 frames)
    expect(link.profile).toMatchObject({ medium: 'can', maxChunk: CLASSIC_CAN_CHUNK, window: CLASSIC_CAN_WINDOW });
    expect(CLASSIC_CAN_WINDOW * Math.ceil((CLASSIC_CAN_CHUNK + 20) / 8)).toBeLessThanOrEqual(140);
    expect(link.lineRate).toBeUndefined();
    await link.close();
    await expect(openLink(to('emulator:can'), 'host')).rejects.toMatchObject({ code: 'missing_node' });
    await expect(openLink(to('emulator', 3), 'host')).rejects.toMatchObject({ code: 'invalid_option' });
  });

  it('derives the profile from the transport: CAN FD is not classic CAN', async () => {
    const link = await openLink(to('emulator:canfd', 7), 'host');
    expect(link.profile).toEqual({ medium: 'canfd', maxFrame: DEFAULT_MAX_FRAME, maxChunk: undefined, window: undefined });
    await link.close();
  });

  it('pairs two ends of one emulated link through the EmulatorPairs the caller passes, and only through it', async () => {
    const pairs = new EmulatorPairs();
    const target = await openLink(to('emulator:can@1000000,pair=t1', 4), 'target', { pairs });
    const host = await openLink(to('emulator:can@1000000,pair=t1', 4), 'host', { pairs });
    const got = firstValueFrom(target.channel.frames$);
    await host.channel.send({ type: 0x0c, flags: 0, session: 0, seq: 9, payload: new Uint8Array(0) });
    expect(await got).toMatchObject({ type: 0x0c, seq: 9, flags: 0 });
    // another caller's pairs are another world: its t1 is a new link, and its target end is free
    const elsewhere = new EmulatorPairs();
    const other = await openLink(to('emulator:can@1000000,pair=t1', 4), 'target', { pairs: elsewhere });
    await expect(openLink(to('emulator:can@1000000,pair=t1', 4), 'target', { pairs })).rejects.toMatchObject({ code: 'bad_link_spec' });
    await other.close();
    await host.close();
    await target.close();
    expect(pairs.names).toEqual([]);
    await expect(openLink(to('emulator,pair=t2'), 'host')).rejects.toMatchObject({ code: 'bad_link_spec' });
  });

  it('fails to open with a LinkError naming the link', async () => {
    const e: unknown = await openLink(to('uart:/nonexistent/ttyNOPE'), 'host').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LinkError);
    expect(e).toMatchObject({ code: 'link_unavailable', link: '/nonexistent/ttyNOPE' });
    expect((e as LinkError).message).toContain('/nonexistent/ttyNOPE');
    await expect(openLink(to('carrier-pigeon:coop'), 'host')).rejects.toMatchObject({ code: 'unsupported_link' });
  });
});

describe('frameChannel and linkProfile', () => {
  it('give an already open transport the channel and profile of its medium, with a chosen frame size', async () => {
    const can = createEmulatedLink({ mode: 'can', bitRate: 500_000 });
    const { channel, profile } = frameChannel(can.host, 'host', { node: 5, maxFrame: 2068 });
    expect(channel.maxFrame).toBe(2068);
    expect(profile).toEqual(linkProfile(can.host, 2068));
    expect(profile.medium).toBe('can');
    await can.close();
  });
});

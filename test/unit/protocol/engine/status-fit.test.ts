/** STATUS_INFO with a bundle fits the agreed max frame: digests go first, then the bundle (docs/protocol.md 4.6). */
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../../src/protocol/messages.js';
import type { StatusInfoMsg } from '../../../../src/protocol/messages-types.js';
import { fitStatus, fitTrust } from '../../../../src/protocol/engine/status-fit.js';

const segments = Array.from({ length: 8 }, (_, i) => ({ name: `segment-name-${i}`, kind: 'hxe', size: 20_000 + i, sha256: String(i).repeat(64) }));
const st: StatusInfoMsg = {
  kind: 'status_info', state: 'READY', session: 0, size: 0, held: 0, slots: [{ slot: 0, state: 'trial', app: 'big', sha256: 'a'.repeat(64) }],
  bundle: { name: 'big', securityCounter: 9, segments, apps: segments.map((s) => s.name) },
};
const size = (m: StatusInfoMsg): number => encodeMessage(m).payload.length;

describe('fitStatus', () => {
  it('keeps a body that fits as it is', () => {
    expect(fitStatus(st, size(st))).toBe(st);
  });

  it("leaves out the segments' digests first, then the bundle", () => {
    const lean = fitStatus(st, size(st) - 1);
    expect(size(lean)).toBeLessThan(size(st));
    expect(lean.bundle?.segments.every((s) => s.sha256 === undefined)).toBe(true);
    expect(lean.bundle).toMatchObject({ name: 'big', securityCounter: 9, apps: st.bundle!.apps });
    const none = fitStatus(st, size(lean) - 1);
    expect(none.bundle).toBeUndefined();
    expect(none).toMatchObject({ state: 'READY', slots: st.slots });
  });
});

describe('TRUST_INFO within the agreed max frame', () => {
  it('cuts the note, and only the note, to fit; a fitting one is sent whole', () => {
    const t = { kind: 'trust_info', boardId: '00'.repeat(16), policy: 'signed', securityCounter: 3, vendor: 'acme', boardClass: 'hsx-a', keyIds: ['0011223344556677'], note: 'x'.repeat(300) } as const;
    expect(fitTrust(t, 1000)).toBe(t);
    const cut = fitTrust(t, 120);
    expect(encodeMessage(cut).payload.length).toBeLessThanOrEqual(120);
    expect(cut.note).toMatch(/^x+…$/);
    expect({ ...cut, note: '' }).toEqual({ ...t, note: '' });
  });
});

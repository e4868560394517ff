// The worked example of docs/protocol.md 4.7.6, byte for byte, against the encoders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverFrame, groupSegments } from '../../../src/protocol/messages-discovery-can.js';
import { DiscoveryType, encodeAnnounce, encodeAssign, encodeAssigned, replyKey } from '../../../src/protocol/messages-discovery.js';
import type { CanFrame } from '../../../src/transports/types.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url)), 'utf8');
const section = doc.slice(doc.indexOf('#### 4.7.6 Worked example'), doc.indexOf('## 5. Transfer'));

/** The CAN frames of the section's code blocks: "<id hex>  <data hex bytes>  <comment>". */
function documented(): string[] {
  return [...section.matchAll(/^([0-9a-f]{8}) {2}((?:[0-9a-f]{2} ?)+)/gm)].map((m) => `${m[1]} ${m[2]!.trim()}`);
}

const text = (f: CanFrame): string => `${f.id.toString(16).padStart(8, '0')} ${[...f.data].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;

describe('docs/protocol.md 4.7.6', () => {
  it('lists exactly the frames the encoders produce', () => {
    const hw = '00112233445566778899aabbccddeeff';
    const nonce = 0x12345678;
    const frames = [
      discoverFrame({ nonce, spreadMs: 20 }),
      ...groupSegments(
        DiscoveryType.ANNOUNCE,
        encodeAnnounce({ nonce, nodeId: 0, hardwareId: hw, protocolVersion: 1, capabilities: 0x8000000f, state: 'IDLE', image: { kind: 'hxe', version: 0, name: 'calib', sha256: 'ab'.repeat(32) } }),
        { role: 'node', key: replyKey(nonce, hw) },
      ),
      ...groupSegments(DiscoveryType.ASSIGN, encodeAssign({ hardwareId: hw, nodeId: 3 }), { role: 'host' }),
      ...groupSegments(DiscoveryType.ASSIGNED, encodeAssigned({ hardwareId: hw, result: 'ok', nodeId: 3, holder: null }), { role: 'node', key: replyKey(0, hw) }),
    ];
    expect(documented()).toEqual(frames.map(text));
  });
});

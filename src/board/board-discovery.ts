/**
 * The virtual board in discovery (docs/protocol.md section 4.7): its
 * hardware id is the board id of the FRAM trust area (16 bytes, random at
 * format; a board whose trust area is unreadable or blank gets a fresh random
 * one written there, key slot kept), its node id the CAN node id of the FRAM
 * settings (0: none) unless the caller fixes one, and ASSIGN writes that
 * setting. What it announces comes from its report: state, capabilities and
 * the active image (a bundle's name, security counter and SHA-256, or the
 * HXE app's name and SHA-256).
 */
import { randomBytes } from 'node:crypto';
import type { DiscoveryBackend } from '../protocol/engine/discover-target.js';
import { PROTOCOL_VERSION } from '../protocol/constants.js';
import { ANNOUNCE_MAX_NAME, ANNOUNCE_MAX_STATE } from '../protocol/messages-discovery.js';
import type { AnnounceMsg } from '../protocol/messages-discovery.js';
import { toHex } from '../util/hex.js';
import type { VirtualBoard } from './board.js';
import type { BoardReport } from './board-report.js';
import { framOp } from './errors.js';
import { emptyTrust } from '../fram/index.js';

export interface BoardDiscoveryOptions {
  /** The node id to announce instead of the FRAM setting's (hilbridge target --node). ASSIGN still writes the setting. */
  readonly nodeId?: number;
}

/** The board id of the FRAM trust area, made and written first when it is unreadable or all zero. */
export function boardHardwareId(board: VirtualBoard): string {
  const trust = board.fram.trust();
  if (trust !== null && !/^0*$/.test(trust.boardId)) return trust.boardId;
  const boardId = toHex(randomBytes(16));
  framOp('write the board id', () => board.fram.writeTrust(trust === null ? emptyTrust(boardId) : { ...trust, boardId }));
  return boardId;
}

/** Cut a UTF-8 string to at most `max` bytes without splitting a character. */
function clip(s: string, max: number): string {
  let out = s;
  while (Buffer.byteLength(out, 'utf8') > max) out = out.slice(0, -1);
  return out;
}

function activeImage(r: BoardReport): AnnounceMsg['image'] {
  const slot = r.slots.find((s) => s.slot === r.active);
  if (slot === undefined || slot.sha256 === null) return { kind: 'none', version: 0, name: '', sha256: null };
  if (r.bundle !== null) return { kind: 'bundle', version: r.bundle.securityCounter, name: clip(r.bundle.name, ANNOUNCE_MAX_NAME), sha256: slot.sha256 };
  return { kind: 'hxe', version: 0, name: clip(slot.appName ?? '', ANNOUNCE_MAX_NAME), sha256: slot.sha256 };
}

/** The discovery backend of a virtual board. */
export function boardDiscovery(board: VirtualBoard, options: BoardDiscoveryOptions = {}): DiscoveryBackend {
  const hardwareId = boardHardwareId(board);
  let nodeId = options.nodeId ?? board.fram.settings().canNodeId;
  return {
    hardwareId,
    nodeId: () => nodeId,
    announce: () => {
      const r = board.report();
      return {
        nodeId,
        hardwareId,
        protocolVersion: PROTOCOL_VERSION,
        capabilities: board.capabilities,
        state: clip(r.state, ANNOUNCE_MAX_STATE),
        image: activeImage(r),
      };
    },
    assign: (id) => {
      framOp(`write CAN node id ${id} to the FRAM settings`, () => board.fram.writeSettings({ ...board.fram.settings(), canNodeId: id }));
      nodeId = id;
    },
  };
}

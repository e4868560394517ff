/**
 * The board's part of delta transfers (docs/protocol.md 9.4): the active
 * slot as the source of copies, and the codecs its loader decodes. Copies
 * come only from the active slot (the staging slot is the other one), are
 * bounded by the active image's size, and are only trusted as far as the
 * loader's verification at END goes: the slot header says size and SHA-256,
 * the bytes are not re-hashed per frame (as firmware would not), so a slot
 * corrupted after the signatures yields a staged image that fails END.
 *
 * The header is read once per active slot and forgotten at every change of
 * the active image (commit, rollback, factory reset: the board calls forget).
 * Which slot is active is read again at every `activeImage` (once per SIGS
 * and per XDATA with copies, before its first copy), not at every
 * `readActive`: the copies of one message come from the slot its checks saw.
 */
import { CODECS, CodecId } from '../codec/index.js';
import type { Fram, SlotId } from '../fram/index.js';
import type { ActiveImageSource } from '../protocol/image-sink.js';
import type { CodecInfoWire } from '../protocol/messages-types.js';
import { fromHex } from '../util/hex.js';
import { BoardError, framOp } from './errors.js';

interface Active {
  readonly slot: SlotId;
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly dataOffset: number;
}

/** What the board decodes: hlz1 and deflate (docs/compression.md), with the RAM each decoder needs. */
export const BOARD_CODECS: readonly CodecInfoWire[] = [CodecId.Hlz1, CodecId.Deflate].map((id) => ({ id, decoderRamBytes: CODECS[id].decoderRamBytes }));

export class ActiveSlotCopy implements ActiveImageSource {
  private cached: Active | null | undefined;

  constructor(
    private readonly fram: Fram,
    /** Copies allowed (delta capability); false: only compression is offered. */
    private readonly copies: boolean,
    readonly codecs: readonly CodecInfoWire[],
  ) {}

  /** The active image changed (commit, rollback, reset): read its header again next time. */
  forget(): void {
    this.cached = undefined;
  }

  private active(): Active | null {
    if (!this.copies) return null;
    const id = framOp('read the active slot', () => this.fram.activeSlot());
    if (this.cached !== undefined && this.cached?.slot === id) return this.cached;
    this.cached = null;
    if (id === null) return null;
    const slot = framOp('read the active slot', () => this.fram.map()).slots.find((s) => s.slot === id);
    if (slot?.size == null || slot.sha256 === null) return null;
    this.cached = { slot: id, size: slot.size, sha256: fromHex(slot.sha256), dataOffset: slot.dataOffset };
    return this.cached;
  }

  async activeImage(): Promise<{ size: number; sha256: Uint8Array } | undefined> {
    await Promise.resolve();
    const a = this.active();
    return a === null ? undefined : { size: a.size, sha256: a.sha256 };
  }

  async readActive(offset: number, length: number): Promise<Uint8Array> {
    await Promise.resolve();
    const a = this.cached === undefined ? this.active() : this.cached;
    if (a === null) throw new BoardError('no_active_image', 'a copy from the active slot, and this board has no active image');
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > a.size) {
      throw new BoardError('bad_delta', `a copy of ${length} bytes from active offset ${offset} goes beyond the ${a.size}-byte active image in slot ${a.slot}`, offset);
    }
    return framOp(`copy from active slot ${a.slot}`, () => this.fram.device.read(a.dataOffset + offset, length));
  }
}

/**
 * Segment arguments of `image build`: `[kind[:name]=]path`. A bare path must
 * be an HXE image (kind hxe, named by its app name); anything else names its
 * kind. Each file is read with a cap (regular files only, src/image/host-file.ts).
 */
import { SEGMENT_KINDS, type SegmentInput, type SegmentKind } from '../../bundle/index.js';
import { UsageError } from '../../errors.js';
import { MAX_HXE_FILE_SIZE } from '../../hxe/constants.js';
import { readHostFile } from '../../image/host-file.js';
import { hasHxeMagic } from '../../hxe/header.js';
import { MAX_SEGMENT_FILE_BYTES } from './bundle-files.js';

export interface SegmentArg {
  readonly kind: SegmentKind | undefined;
  readonly name: string | undefined;
  readonly path: string;
}

const SPEC = /^([a-z]+)(?::([^=]*))?=(.+)$/;

export function parseSegmentArg(arg: string): SegmentArg {
  const m = SPEC.exec(arg);
  if (!m) return { kind: undefined, name: undefined, path: arg };
  const [, word = '', name, path = ''] = m;
  if (!(SEGMENT_KINDS as readonly string[]).includes(word)) {
    throw new UsageError('invalid_segment', `segment "${arg}": "${word}" is not a kind; kinds are ${SEGMENT_KINDS.join(', ')} (kind[:name]=path)`);
  }
  if (name !== undefined && name === '') throw new UsageError('invalid_segment', `segment "${arg}": empty name after "${word}:"; write ${word}=<path> or ${word}:<name>=<path>`);
  return { kind: word as SegmentKind, name, path };
}

/** Read one segment's file and say what it is. */
export async function readSegment(arg: string): Promise<SegmentInput> {
  const spec = parseSegmentArg(arg);
  const hxe = spec.kind === undefined || spec.kind === 'hxe';
  const bytes = await readHostFile(spec.path, hxe ? 'HXE image' : `${spec.kind} segment`, hxe ? MAX_HXE_FILE_SIZE : MAX_SEGMENT_FILE_BYTES);
  if (spec.kind === undefined && !hasHxeMagic(bytes)) {
    throw new UsageError('invalid_segment', `segment "${arg}" is not an HXE image (no "HSXE" magic): name its kind: boot=${spec.path}, values=${spec.path} or data=${spec.path}`);
  }
  return { kind: spec.kind ?? 'hxe', name: spec.name, bytes };
}

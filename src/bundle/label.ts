/**
 * How every message names a segment of a bundle: 1-based index in bundle
 * order, name and kind, `segment 2 'app2' (hxe)`. The CLI's flash lines use
 * it; src/board/segment-policy.ts still has its own copy (same text).
 */
export function segmentLabel(index: number, name: string, kind: string): string {
  return `segment ${index} '${name}' (${kind})`;
}

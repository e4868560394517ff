/**
 * How every message names a segment of a bundle: 1-based index in bundle
 * order, name and kind, `segment 2 'app2' (hxe)`: the CLI's flash lines and
 * the board's refusals (src/board/segment-policy.ts).
 */
export function segmentLabel(index: number, name: string, kind: string): string {
  return `segment ${index} '${name}' (${kind})`;
}

/**
 * Lines of a byte stream with a cap on each line's length: a 600 MB file with
 * no newline costs one cap of memory, not 600 MB. A line over the cap is
 * yielded once, marked too long and cut to the cap, and the rest of it up to
 * the next newline is skipped unread. Pure: imports nothing.
 */

export interface Line {
  /** 1-based line number. */
  readonly number: number;
  /** The line without its newline (and without a trailing CR); cut to the cap when too long. */
  readonly text: string;
  readonly tooLong: boolean;
}

export async function* boundedLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let parts: Uint8Array[] = [];
  let length = 0;
  let skipping = false;
  let number = 0;
  const take = (): Line => {
    const all = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    parts = [];
    length = 0;
    let text = decoder.decode(all);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return { number: ++number, text, tooLong: false };
  };
  for await (const chunk of chunks) {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (skipping) {
        if (nl !== -1) skipping = false;
      } else if (length + (end - start) > maxLineBytes) {
        parts.push(chunk.subarray(start, start + (maxLineBytes - length)));
        length = maxLineBytes;
        yield { ...take(), tooLong: true };
        skipping = nl === -1;
      } else {
        parts.push(chunk.slice(start, end));
        length += end - start;
        if (nl !== -1) yield take();
      }
      start = end + 1;
    }
  }
  if (length > 0) yield take();
}

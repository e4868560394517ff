// Module hooks of import-trace.mjs (they run on the loader thread): record each URL loaded.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  const file = process.env.HILBRIDGE_IMPORT_TRACE;
  if (file) appendFileSync(file, url + '\n');
  return nextLoad(url, context);
}

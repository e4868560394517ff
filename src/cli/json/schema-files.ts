/** The files of docs/schemas/: `<event>.schema.json` for every line type, and sd-manifest.schema.json (the SD card manifest, src/sd/manifest.ts), as text (scripts/gen-schemas.mjs writes them; a test compares). */
import { manifestJsonSchema } from '../../sd/manifest.js';
import { jsonSchemas } from './index.js';

export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [event, schema] of Object.entries(jsonSchemas())) out[`${event}.schema.json`] = JSON.stringify(schema, null, 2) + '\n';
  out['sd-manifest.schema.json'] = JSON.stringify(manifestJsonSchema(), null, 2) + '\n';
  return out;
}

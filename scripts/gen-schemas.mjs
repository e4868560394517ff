/**
 * Write docs/schemas/<event>.schema.json from the zod schemas of the --json
 * vocabulary (src/cli/json), and docs/schemas/sd-manifest.schema.json from the
 * SD card manifest's (src/sd/manifest.ts). Deterministic: same schemas, same bytes. Stale
 * files (an event that no longer exists) are removed. `npm run schemas`.
 * test/unit/cli/json-schemas.test.ts checks the committed files match.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { schemaFiles } from '../src/cli/json/schema-files.js';

const dir = fileURLToPath(new URL('../docs/schemas/', import.meta.url));
mkdirSync(dir, { recursive: true });
const files = schemaFiles();
for (const name of readdirSync(dir)) if (name.endsWith('.schema.json') && !(name in files)) rmSync(join(dir, name));
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
process.stdout.write(`wrote ${Object.keys(files).length} schemas to docs/schemas/\n`);

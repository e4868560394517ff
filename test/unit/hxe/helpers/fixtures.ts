/** The toolchain-made fixture images (copied from ../shared) and the reference loader's decoded view. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/hsx/', import.meta.url));

export interface ExpectedImage {
  version: number;
  flags: number;
  entry: number;
  code_len: number;
  ro_len: number;
  bss_size: number;
  req_caps: number;
  crc32: number;
  app_name: string | null;
  allow_multiple_instances: boolean;
  meta_offset: number;
  meta_count: number;
  size: number;
  sha256: string;
  values: Record<string, unknown>[];
  commands: Record<string, unknown>[];
  mailboxes: Record<string, unknown>[];
}

export const expected = JSON.parse(readFileSync(FIXTURE_DIR + 'expected.json', 'utf8')) as Record<string, ExpectedImage>;
export const fixtureNames = Object.keys(expected);
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(FIXTURE_DIR + name));

/**
 * The side install of the native socketcan addon (hil/build-socketcan.mjs)
 * is pinned by its own lockfile: it must pin the same socketcan the project
 * names as its optional dependency, and pin its whole tree by integrity.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('hil/socketcan-build', () => {
  it('pins the socketcan version of package.json optionalDependencies, with every package locked by integrity', () => {
    const project = read('package.json') as { optionalDependencies: Record<string, string> };
    const side = read('hil/socketcan-build/package.json') as { dependencies: Record<string, string> };
    const lock = read('hil/socketcan-build/package-lock.json') as { packages: Record<string, { version?: string; integrity?: string }> };
    expect(side.dependencies).toEqual({ socketcan: project.optionalDependencies.socketcan });
    expect(lock.packages['']).toMatchObject({ dependencies: side.dependencies });
    expect(lock.packages['node_modules/socketcan']?.version).toBe(project.optionalDependencies.socketcan);
    const installed = Object.entries(lock.packages).filter(([path]) => path !== '');
    expect(installed.length).toBeGreaterThan(1);
    for (const [path, p] of installed) expect(p.integrity, path).toMatch(/^sha512-/);
  });
});

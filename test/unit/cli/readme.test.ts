/**
 * The README's command lines run as written: the quick start stays its two
 * lines, and the bench block first puts `hilbridge` on PATH (`npm link`, which
 * links package.json's bin, the file `npm run build` writes) and then uses
 * only subcommands and options the program has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { ROOT } from './child-cli.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The command lines of the ```sh block under `heading`, comments stripped. */
function block(heading: string): string[] {
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const body = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return body.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
}

describe('README', () => {
  it('the quick start is exactly its two lines', () => {
    expect(block('Quick start')).toEqual(['npm install && npx hilbridge demo', 'npm install-test']);
  });

  it('the bench block puts hilbridge on PATH first, as npm link does with the bin the build writes', () => {
    const lines = block('On the bench');
    expect(lines[0]).toBe('npm link');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    // tsc's output bundled into dist/bin/ by scripts/bundle.mjs, part of the build
    expect(pkg.bin.hilbridge).toBe(`${build.compilerOptions.outDir}/bin/hilbridge.js`);
    expect(pkg.scripts.build).toContain('node scripts/bundle.mjs');
    expect(readFileSync(join(ROOT, build.compilerOptions.rootDir, 'cli/main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(pkg.scripts.prepare).toBe('npm run build'); // npm install (and npm link) build dist/
  });

  it('every hilbridge line names a subcommand and options the program has', async () => {
    const program = await buildProgram();
    const lines = block('On the bench').slice(1);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      if (line.startsWith('export ')) {
        expect(line).toMatch(/^export (HILBRIDGE_[A-Z]+=\S+ ?)+$/);
        continue;
      }
      for (const part of line.split(' | ')) {
        const [bin, name, ...args] = part.trim().split(/\s+/);
        expect(bin, line).toBe('hilbridge');
        const top = program.commands.find((c) => c.name() === name);
        expect(top, line).toBeDefined();
        // a command with subcommands (image build): the options are the subcommand's
        const sub = top!.commands.find((c) => c.name() === args[0]);
        expect(top!.commands.length === 0 || sub !== undefined, `${line}: a subcommand of ${name}`).toBe(true);
        const cmd = sub ?? top;
        for (const a of args.filter((x) => x.startsWith('-') && x !== '-')) {
          expect(cmd!.options.some((o) => o.long === a || o.short === a), `${line}: ${a}`).toBe(true);
        }
      }
    }
  });
});

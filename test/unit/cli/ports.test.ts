/** `hilbridge ports` on this machine, as a child process: it lists without error, in both forms. */
import { describe, expect, it } from 'vitest';
import { hilbridge } from './child-cli.js';
import { parseJsonLine } from '../../../src/cli/json/index.js';

describe('hilbridge ports', () => {
  it('lists serial ports and CAN interfaces (or says there are none), exit 0', async () => {
    const r = await hilbridge('ports');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^(no serial ports found|serial ports)/);
    expect(r.stdout).toMatch(/^(no CAN interfaces found|CAN interfaces)$/m);
  }, 30_000);

  it('--json: one port line each, then the summary counting them', async () => {
    const r = await hilbridge('ports', '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; kind?: string; serialPorts?: number; canInterfaces?: number });
    const summary = lines.at(-1)!;
    expect(summary.event).toBe('ports_summary');
    expect(lines.filter((l) => l.kind === 'uart')).toHaveLength(summary.serialPorts!);
    expect(lines.filter((l) => l.kind === 'can')).toHaveLength(summary.canInterfaces!);
    expect(lines.slice(0, -1).every((l) => l.event === 'port')).toBe(true);
    for (const l of lines) expect(() => parseJsonLine(l)).not.toThrow(); // whatever this machine has fits the schemas
  }, 30_000);
});

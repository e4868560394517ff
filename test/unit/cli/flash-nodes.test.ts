/** `flash --nodes` parsing and the per-node table (src/cli/flash-nodes.ts). */
import { describe, expect, it } from 'vitest';
import { nodesTable, parseNodes, progressLine } from '../../../src/cli/flash-nodes.js';
import { BcastPhase } from '../../../src/protocol/engine/index.js';

describe('parseNodes', () => {
  it('ids, ranges and all', () => {
    expect(parseNodes('3')).toEqual([3]);
    expect(parseNodes('1,2,5')).toEqual([1, 2, 5]);
    expect(parseNodes('1-4, 9, 3')).toEqual([1, 2, 3, 4, 9]);
    expect(parseNodes('all')).toBe('all');
  });

  it.each(['', '0', '1-255', '5-3', 'a', '1,,2', '1-'])('refuses "%s" naming --nodes', (text) => {
    expect(() => parseNodes(text)).toThrow(/--nodes/);
  });
});

describe('nodesTable', () => {
  it('one row per node, the error last, a summary line', () => {
    const text = nodesTable({
      session: 7, ok: false, timeMs: 900, counters: { dataFrames: 10, repairFrames: 2, announceFrames: 8, ctrlFrames: 4, replies: 6, repairPasses: 1 },
      nodes: [
        { node: 1, result: 'ok', bytesRepaired: 16, retries: 0, timeMs: 880, slot: 1 },
        { node: 12, result: 'refused', bytesRepaired: 0, retries: 1, timeMs: 40, error: { code: 'missing_capability', message: 'node 12: needs can' } },
      ],
    });
    expect(text.split('\n')).toEqual([
      'node  result   repaired  retries  time ms  error',
      '1     ok       16        0        880',
      '12    refused  0         1        40       missing_capability: node 12: needs can',
      '1 of 2 nodes ok in 900 ms (session 7, 2 repair frames, 1 repair passes)',
    ]);
  });
});

describe('progressLine', () => {
  const p = { phase: BcastPhase.Sending, sentBytes: 50, totalBytes: 100, activeNodes: 3, repairPasses: 1 };

  it('one line redrawn in place on a TTY, ended once', () => {
    const out: string[] = [];
    const bar = progressLine(false, { bar: true, ansi: true }, (t) => out.push(t));
    bar.update(p);
    bar.update({ ...p, sentBytes: 100, phase: BcastPhase.Repairing });
    bar.stop();
    bar.stop();
    expect(out).toEqual(['\r\x1b[2Kflash: sending 50% of 100 B to 3 nodes, 1 repair passes', '\r\x1b[2Kflash: repairing 100% of 100 B to 3 nodes, 1 repair passes', '\n']);
  });

  it('NO_COLOR: no escape code, the shorter line padded over the longer', () => {
    const out: string[] = [];
    const bar = progressLine(false, { bar: true, ansi: false }, (t) => out.push(t));
    bar.update({ ...p, phase: BcastPhase.Repairing });
    bar.update({ ...p, activeNodes: 1 });
    expect(out.join('')).not.toContain('\x1b');
    expect(out[1]).toBe(`\r${'flash: sending 50% of 100 B to 1 node, 1 repair passes'.padEnd(out[0]!.length - 1)}`);
  });

  it('nothing with --json or without a TTY', () => {
    const out: string[] = [];
    progressLine(true, { bar: true, ansi: true }, (t) => out.push(t)).update(p);
    progressLine(false, { bar: false, ansi: false }, (t) => out.push(t)).update(p);
    expect(out).toEqual([]);
  });
});

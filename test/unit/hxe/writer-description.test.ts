/** The pack description format: names, decimal f16 numbers, and errors that name the field. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescriptionError } from '../../../src/hxe/description-error.js';
import type { DescriptionFormat } from '../../../src/hxe/description.js';
import { descriptionToInput, parseDescription } from '../../../src/hxe/description.js';
import { f16ToNumber } from '../../../src/hxe/f16.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import { writeHxe } from '../../../src/hxe/writer.js';

const code = new Uint8Array(8);
const pack = (text: string, format: DescriptionFormat = 'toml') => parseHxe(writeHxe(descriptionToInput(parseDescription(text, format, 'app.' + format), code)));

function errorOf(fn: () => unknown): DescriptionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DescriptionError) return e;
    throw e;
  }
  throw new Error('expected a DescriptionError');
}

describe('parseDescription', () => {
  it('turns names into numbers: capabilities, flags, auth (any case), mailbox mode', () => {
    const image = pack(`
      app_name = "x"
      capabilities = ["mailbox", "valueCmd", "FRAM", "can", "uart"]
      [[values]]
      group = 1
      id = 1
      flags = ["ro", "persist", "sticky", "pin", "bool"]
      auth = "factory"
      persist_key = 0x10
      init = 0.1
      epsilon = 0.5
      min = -10
      max = 65504
      group_name = "motor"
      [[commands]]
      group = 1
      id = 2
      flags = ["pin", "async"]
      auth = "Admin"
      [[mailboxes]]
      target = "svc:a"
      mode = "RDONLY | tap | fanoutBlock"
      owner_pid = 4
      bindings = [{ pid = 1, flags = 2 }]
    `);
    expect(image.reqCaps).toBe(0x1f);
    expect(image.values[0]).toMatchObject({ flags: 0x1f, authLevel: 3, persistKey: 0x10, initRaw: 0x2e66, epsilonRaw: 0x3800, minRaw: 0xc900, maxRaw: 0x7bff, groupName: 'motor' });
    expect(image.commands[0]).toMatchObject({ flags: 3, authLevel: 2 });
    expect(image.mailboxes[0]).toEqual({ target: 'svc:a', capacity: 64, modeMask: 0x25, ownerPid: 4, bindings: [{ pid: 1, flags: 2 }] });
  });

  it('accepts numeric masks and levels too, and JSON', () => {
    const image = pack('{"capabilities": 6, "values": [{"group": 0, "id": 3, "flags": 2, "auth": 1, "init_raw": 15360}]}', 'json');
    expect(image.reqCaps).toBe(6);
    expect(image.values[0]).toMatchObject({ flags: 2, authLevel: 1, initRaw: 0x3c00, init: 1 });
  });

  const bad: [string, string, DescriptionFormat, string, string | undefined, RegExp][] = [
    ['TOML syntax', 'app_name = ', 'toml', 'bad_description', undefined, /app\.toml: not valid TOML/],
    ['JSON syntax', '{"app_name": }', 'json', 'bad_description', undefined, /app\.json: not valid JSON/],
    ['misspelled key', '[[values]]\ngroup = 1\nid = 1\nnmae = "x"', 'toml', 'bad_description', 'values[0]', /nmae/],
    ['missing id', '[[commands]]\ngroup = 1', 'toml', 'bad_description', 'commands[0].id', /commands\[0\]\.id/],
    ['unknown flag name', '[[values]]\ngroup = 1\nid = 1\nflags = ["ro", "volatile"]', 'toml', 'bad_description', 'values[0].flags[1]', /volatile/],
    ['unknown capability', 'capabilities = ["wifi"]', 'toml', 'bad_description', 'capabilities[0]', /wifi.*mailbox, value_cmd/],
    ['unknown auth', '[[values]]\ngroup = 1\nid = 1\nauth = "root"', 'toml', 'bad_description', 'values[0].auth', /root/],
    ['init and init_raw', '[[values]]\ngroup = 1\nid = 1\ninit = 1\ninit_raw = 2', 'toml', 'bad_description', 'values[0].init_raw', /either init/],
    ['mailbox without mode', '[[mailboxes]]\ntarget = "app:a"', 'toml', 'bad_description', 'mailboxes[0].mode', /exactly one of mode/],
    ['mailbox mode and mode_mask', '[[mailboxes]]\ntarget = "app:a"\nmode = "RDWR"\nmode_mask = 3', 'toml', 'bad_description', 'mailboxes[0].mode', /exactly one/],
    ['unknown mode', '[[mailboxes]]\ntarget = "app:a"\nmode = "RDWR|LOUD"', 'toml', 'bad_description', 'mailboxes[0].mode', /LOUD/],
    ['string id', '{"values": [{"group": 1, "id": "1"}]}', 'json', 'bad_description', 'values[0].id', /values\[0\]\.id/],
  ];
  it.each(bad)('%s -> %s', (_what, text, format, code, field, message) => {
    const err = errorOf(() => parseDescription(text, format, `app.${format}`));
    expect({ code: err.code, field: err.field }).toEqual({ code, field });
    expect(err.message).toMatch(message);
  });

  it('rejects a finite decimal outside the f16 range, naming the field', () => {
    const err = errorOf(() => pack('[[values]]\ngroup = 1\nid = 1\nmax = 70000'));
    expect({ code: err.code, field: err.field }).toEqual({ code: 'f16_overflow', field: 'values[0].max' });
  });

  it('range errors from the writer use the description spelling', () => {
    const err = errorOf(() => pack('[[values]]\ngroup = 300\nid = 1'));
    expect({ code: err.code, field: err.field }).toEqual({ code: 'out_of_range', field: 'values[0].group' });
  });
});

describe('docs/pack.md', () => {
  it('its complete example packs into a valid image', () => {
    const doc = readFileSync(new URL('../../../docs/pack.md', import.meta.url), 'utf8');
    const example = /### Complete example[^\n]*\n+```toml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const d = parseDescription(example ?? '', 'toml', 'docs/pack.md');
    expect([d.code, d.rodata]).toEqual(['build/motor_ctl.code.bin', 'build/motor_ctl.ro.bin']);
    const image = parseHxe(writeHxe(descriptionToInput(d, new Uint8Array(40), Uint8Array.of(1, 2, 3))));
    expect(image).toMatchObject({ appName: 'motor_ctl', reqCaps: 7, bssSize: 64, metaCount: 3 });
    expect(image.values.map((v) => v.init)).toEqual([42, 21.5]);
    expect(image.mailboxes.map((m) => m.modeMask)).toEqual([0x0b, 0x13]);
  });
});

describe('f16 numbers survive description -> image -> parser', () => {
  it('takes TOML inf, -inf and nan as the f16 infinities and quiet NaN (zod numbers alone refuse them)', () => {
    const [pos, neg, nan] = pack(`[[values]]\ngroup = 0\nid = 0\ninit = inf\n[[values]]\ngroup = 0\nid = 1\ninit = -inf\n[[values]]\ngroup = 0\nid = 2\ninit = nan`).values;
    expect(pos?.initRaw).toBe(0x7c00);
    expect(neg?.initRaw).toBe(0xfc00);
    expect(nan?.initRaw).toBe(0x7e00);
  });

  it('every non-NaN f16 written as a decimal comes back as the same bit pattern', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }).filter((raw) => !Number.isNaN(f16ToNumber(raw))),
        (raw) => {
          const n = f16ToNumber(raw);
          // JSON has no Infinity; TOML spells it inf
          const literal = Number.isFinite(n) ? (Object.is(n, -0) ? '-0.0' : String(n)) : n > 0 ? 'inf' : '-inf';
          const [v] = pack(`[[values]]\ngroup = 0\nid = 0\ninit = ${literal}`).values;
          expect(v?.initRaw).toBe(raw);
          expect(Object.is(v?.init, n)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

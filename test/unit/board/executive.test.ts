import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { Fram, MemoryFramDevice } from '../../../src/fram/index.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import { numberToF16 } from '../../../src/hxe/f16.js';
import { EventBus } from '../../../src/board/event-bus.js';
import type { BoardEvent } from '../../../src/board/events.js';
import { Executive } from '../../../src/board/executive.js';
import { FRAM_SIZE, image, persistImage } from './helpers.js';

const KEY = 0x0105;

/** An executive over a FRAM chip; a new one on the same chip is a reboot. */
function boot(chip: Uint8Array, scheduler = new VirtualTimeScheduler()) {
  const device = new MemoryFramDevice(chip);
  const fram = chip.some((b) => b !== 0) ? Fram.open(device) : Fram.format(device);
  const bus = new EventBus(scheduler, 100);
  const events: BoardEvent[] = [];
  bus.all$.subscribe((e) => events.push(e));
  const exec = new Executive({ readValue: (k) => fram.readValue(k), saveValue: (k, b) => fram.saveValue(k, b), scheduler, debounceMs: 500, bus, phase: () => 'BOOT' });
  return { fram, exec, events, scheduler };
}

const persisted = (events: BoardEvent[]) => events.filter((e): e is Extract<BoardEvent, { type: 'provisioning.persisted' }> => e.type === 'provisioning.persisted');

describe('executive: registration', () => {
  it('registers values, commands, mailboxes, instance name and source', () => {
    const { exec } = boot(new Uint8Array(FRAM_SIZE));
    const bytes = image('motor', {
      commands: [{ groupId: 1, cmdId: 10, name: 'reset' }],
      mailboxes: [{ target: 'app:telemetry', modeMask: 3, capacity: 96 }],
      values: [{ groupId: 1, valueId: 5, initRaw: numberToF16(42), name: 'speed', unit: 'rpm' }],
    });
    const app = exec.registerSlotApp(parseHxe(bytes), { slot: 'B', source: 'can_master', crc32: 0x1234 });
    expect(app).toMatchObject({ instance: 'motor', appName: 'motor', slot: 'B', source: 'can_master', crc32: 0x1234, size: bytes.length });
    expect(app.commands).toEqual([{ groupId: 1, cmdId: 10, name: 'reset' }]);
    expect(app.mailboxes).toEqual([{ target: 'app:telemetry', capacity: 96 }]);
    expect(app.values[0]).toMatchObject({ value: 42, unit: 'rpm', persisted: false, origin: 'init', fallback: null });
  });

  it('a new slot app replaces the old one; resident apps stay', () => {
    const { exec } = boot(new Uint8Array(FRAM_SIZE));
    exec.registerResident(parseHxe(image('logger')), 'sd_manifest', 1);
    exec.registerSlotApp(parseHxe(image('a')), { slot: 'A', source: 'uart', crc32: 2 });
    exec.registerSlotApp(parseHxe(image('b')), { slot: 'B', source: 'uart', crc32: 3 });
    expect(exec.apps.map((a) => a.instance)).toEqual(['logger', 'b']);
    expect(() => exec.instanceFor(parseHxe(image('logger')), 9)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });
});

describe('executive: persisted values', () => {
  it('falls back to init with an event when nothing is stored, saves debounced in virtual time, restores after a reboot', () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const a = boot(chip);
    const app = a.exec.registerSlotApp(parseHxe(persistImage('motor', KEY, 42)), { slot: 'A', source: 'uart', crc32: 0 });
    expect(app.values[0]).toMatchObject({ value: 42, origin: 'init', fallback: 'missing' });
    expect(persisted(a.events)).toEqual([expect.objectContaining({ action: 'fallback', reason: 'missing', persistKey: KEY, raw: numberToF16(42) })]);
    // the plain value is not persisted and raises no event
    a.exec.setValue(app.pid, 1, 1, 10);
    a.exec.setValue(app.pid, 1, 1, 20);
    a.exec.setValue(app.pid, 1, 2, 99);
    a.scheduler.maxFrames = 499;
    a.scheduler.flush();
    expect(persisted(a.events).filter((e) => e.action === 'saved')).toHaveLength(0);
    a.scheduler.maxFrames = Infinity;
    a.scheduler.flush();
    const saved = persisted(a.events).filter((e) => e.action === 'saved');
    expect(saved).toEqual([expect.objectContaining({ persistKey: KEY, raw: numberToF16(20), pid: app.pid })]);

    const b = boot(chip);
    const again = b.exec.registerSlotApp(parseHxe(persistImage('motor', KEY, 42)), { slot: 'A', source: 'uart', crc32: 0 });
    expect(again.values[0]).toMatchObject({ value: 20, origin: 'persisted', fallback: null });
    expect(again.values[1]).toMatchObject({ value: 7, origin: 'init' });
    expect(persisted(b.events)).toEqual([expect.objectContaining({ action: 'restored', raw: numberToF16(20) })]);
  });

  it('a value survives an image update (new image, same persist key)', () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const a = boot(chip);
    const v1 = a.exec.registerSlotApp(parseHxe(persistImage('motor', KEY, 42)), { slot: 'A', source: 'uart', crc32: 0 });
    a.exec.setValue(v1.pid, 1, 1, 64);
    // the update stops the old app: its pending write is flushed, not lost
    const v2 = a.exec.registerSlotApp(parseHxe(persistImage('motor', KEY, 42, { codeBytes: 512 })), { slot: 'B', source: 'uart', crc32: 0 });
    expect(v2.values[0]).toMatchObject({ value: 64, origin: 'persisted' });
  });

  it('a corrupt record and a schema change fall back to init with the reason', () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const a = boot(chip);
    const { offset } = a.fram.saveValue(KEY, Uint8Array.of(0x51, 0x40));
    chip[offset + 9] = (chip[offset + 9] ?? 0) ^ 0xff;
    const corrupt = boot(chip).exec.registerSlotApp(parseHxe(persistImage('m', KEY, 1)), { slot: 'A', source: 'uart', crc32: 0 });
    expect(corrupt.values[0]).toMatchObject({ value: 1, origin: 'init', fallback: 'corrupt' });

    const c = boot(chip);
    c.fram.saveValue(0x0200, Uint8Array.of(1, 2, 3));
    const changed = c.exec.registerSlotApp(parseHxe(persistImage('m', 0x0200, 3)), { slot: 'A', source: 'uart', crc32: 0 });
    expect(changed.values[0]).toMatchObject({ value: 3, fallback: 'schema_changed' });
    expect(persisted(c.events).at(-1)).toMatchObject({ action: 'fallback', reason: 'schema_changed' });
  });

  it('a power cut (dispose) loses a pending write; an orderly flush keeps it', () => {
    const chip = new Uint8Array(FRAM_SIZE);
    const a = boot(chip);
    const app = a.exec.registerSlotApp(parseHxe(persistImage('m', KEY, 1)), { slot: 'A', source: 'uart', crc32: 0 });
    a.exec.setValue(app.pid, 1, 1, 5);
    a.exec.dispose();
    expect(boot(chip).exec.registerSlotApp(parseHxe(persistImage('m', KEY, 1)), { slot: 'A', source: 'uart', crc32: 0 }).values[0]?.value).toBe(1);
    const b = boot(chip);
    const app2 = b.exec.registerSlotApp(parseHxe(persistImage('m', KEY, 1)), { slot: 'A', source: 'uart', crc32: 0 });
    b.exec.setValue(app2.pid, 1, 1, 5);
    b.exec.flush();
    expect(boot(chip).exec.registerSlotApp(parseHxe(persistImage('m', KEY, 1)), { slot: 'A', source: 'uart', crc32: 0 }).values[0]?.value).toBe(5);
  });

  it('setValue on an unknown value is EINVAL', () => {
    const { exec } = boot(new Uint8Array(FRAM_SIZE));
    const app = exec.registerSlotApp(parseHxe(persistImage('m', KEY, 1)), { slot: 'A', source: 'uart', crc32: 0 });
    expect(() => exec.setValue(app.pid, 9, 9, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

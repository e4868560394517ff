import { describe, expect, it } from 'vitest';
import { HilbridgeError } from '../../../src/errors.js';
import { Capability } from '../../../src/hxe/constants.js';
import { PolicyError, capabilityNames, checkBudget, checkCapabilities, instanceName } from '../../../src/hxe/policy.js';

function policyError(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect(e).toBeInstanceOf(HilbridgeError);
    return e as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

describe('capabilities', () => {
  it('names bits, reserved ones as bitN', () => {
    expect(capabilityNames(0x06)).toEqual(['valueCmd', 'fram']);
    expect(capabilityNames(0x21)).toEqual(['mailbox', 'bit5']);
    expect(capabilityNames(0x80000000)).toEqual(['bit31']);
  });
  it('passes when the target offers every required bit', () => {
    expect(() => checkCapabilities(0x06, 0x1f)).not.toThrow();
    expect(() => checkCapabilities(0, 0)).not.toThrow();
  });
  it('names exactly the missing capabilities', () => {
    const e = policyError(() => checkCapabilities(Capability.fram | Capability.can | Capability.mailbox, Capability.mailbox, 'calib.hxe'));
    expect(e.code).toBe('missing_capability');
    expect(e.message).toMatch(/^calib\.hxe requires fram, can \(req_caps 0xd\), which the target does not offer \(target offers: mailbox\)/);
  });
  it("never counts a board's loader bits (16..31: bundles, signed policy) as app capabilities", () => {
    const e = policyError(() => checkCapabilities(0x8000_0001, 0xc000_001f, 'greedy'));
    expect(e.message).toMatch(/^greedy requires bit31 \(req_caps 0x80000001\), which the target does not offer \(target offers: mailbox, valueCmd, fram, can, uart\)/);
  });
});

describe('budgets', () => {
  const limits = { code: 1024, rodata: 256, ram: 2048, stack: 512 };
  it('passes at exactly the limits', () => {
    expect(() => checkBudget({ codeLen: 1024, roLen: 256, bssSize: 1536 }, limits)).not.toThrow();
  });
  it('names every overrun with need vs limit, stack included', () => {
    const e = policyError(() => checkBudget({ codeLen: 1028, roLen: 10, bssSize: 1540 }, limits, 'pump'));
    expect(e.code).toBe('over_budget');
    expect(e.message).toBe('pump does not fit the target: code 1028 B > limit 1024 B; RAM 2052 B (bss 1540 B + stack 512 B) > limit 2048 B');
  });
  it('rodata alone', () => {
    expect(policyError(() => checkBudget({ codeLen: 0, roLen: 257, bssSize: 0 }, limits)).message).toMatch(/rodata 257 B > limit 256 B/);
  });
});

describe('instanceName', () => {
  it('first instance keeps the app name', () => {
    expect(instanceName('telemetry', false, [])).toBe('telemetry');
    expect(instanceName('telemetry', true, ['other'])).toBe('telemetry');
  });
  it('later instances get <name>_#N with the lowest free N', () => {
    expect(instanceName('telemetry', true, ['telemetry'])).toBe('telemetry_#0');
    expect(instanceName('telemetry', true, ['telemetry', 'telemetry_#0'])).toBe('telemetry_#1');
    expect(instanceName('telemetry', true, new Set(['telemetry', 'telemetry_#1']))).toBe('telemetry_#0');
  });
  it('refuses a second instance with EEXIST when not allowed', () => {
    const e = policyError(() => instanceName('calib', false, ['calib']));
    expect(e.code).toBe('EEXIST');
    expect(e.message).toMatch(/"calib" is already running/);
  });
});

/**
 * IEEE-754 half precision (binary16), as HXE stores value fields: the raw bit
 * pattern in a big-endian u16. 42.0 = 0x5140, 1.5 = 0x3E00, -0.25 = 0xB400.
 */

/** Decode a raw f16 bit pattern to a number (subnormals, infinities and NaN included). */
export function f16ToNumber(raw: number): number {
  const sign = raw & 0x8000 ? -1 : 1;
  const exp = (raw >> 10) & 0x1f;
  const frac = raw & 0x03ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Encode a number as the nearest f16 (round half to even, as numpy and the
 * toolchain do). Values beyond the f16 range become +/-Infinity.
 */
export function numberToF16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const v = Math.abs(value);
  if (v === Infinity) return sign | 0x7c00;
  if (v === 0) return sign;
  // Subnormal range: v < 2^-14. Units of 2^-24.
  if (v < 2 ** -14) {
    const units = roundHalfEven(v * 2 ** 24);
    return sign | units; // units may be 0x400, which is exactly the smallest normal: correct encoding
  }
  let exp = Math.floor(Math.log2(v));
  // guard against log2 rounding at exact powers of two
  if (2 ** exp > v) exp -= 1;
  else if (2 ** (exp + 1) <= v) exp += 1;
  let mant = roundHalfEven((v / 2 ** exp - 1) * 1024);
  if (mant === 1024) {
    mant = 0;
    exp += 1;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | mant;
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

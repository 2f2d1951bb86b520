import { describe, expect, it } from 'vitest';
import { groupThousands } from '../src/text/group-thousands.js';

describe('groupThousands', () => {
  it('writes what toLocaleString("en-US") writes, for whole numbers of every length and sign', () => {
    const values = [0, 7, 42, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 2_149_895, 123_456_789, Number.MAX_SAFE_INTEGER];
    for (const n of [...values, ...values.map((v) => -v)]) expect(groupThousands(n)).toBe(n.toLocaleString('en-US'));
  });

  it('hands anything but a safe integer to toLocaleString', () => {
    for (const n of [1234.5678, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY]) expect(groupThousands(n)).toBe(n.toLocaleString('en-US'));
  });
});

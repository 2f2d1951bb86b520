import { describe, expect, test } from 'vitest';
import { UsageError } from '../src/errors.js';
import { globToRegExp } from '../src/store/glob-to-regexp.js';

describe('globToRegExp', () => {
  test.each([
    ['data/**/*.md', 'data/hr/leave.md', true],
    ['data/**/*.md', 'data/leave.md', true],
    ['data/*.md', 'data/hr/leave.md', false],
    ['data/{hr,it}/*.md', 'data/it/laptops.md', true],
    ['data/{hr,it}/*.md', 'data/finance/x.md', false],
    ['**/a,b.md', 'atoms/x.md', false], // a comma outside braces is a literal comma
    ['**/a,b.md', 'x/a,b.md', true],
    ['{hr,it}/x,y.md', 'finance/qy.md', false],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'dir/1.txt', false],
  ])('%s vs %s -> %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });

  test('an unbalanced brace is a usage error naming the option', () => {
    expect(() => globToRegExp('docs/{f1')).toThrow(UsageError);
    expect(() => globToRegExp('docs/{f1')).toThrow(/--glob/);
  });
});

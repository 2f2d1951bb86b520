import { describe, expect, test } from 'vitest';
import { FrontMatterError, parseFrontMatter } from '../src/ingest/loaders/parse-front-matter.js';

describe('parseFrontMatter', () => {
  test('YAML front matter becomes data; the body and its offset follow the closing line', () => {
    const text = '---\ntitle: Leave\ntags: [hr, policy]\n---\n# Leave\n';
    const { data, body, bodyOffset, warnings } = parseFrontMatter(text);
    expect(data).toEqual({ title: 'Leave', tags: ['hr', 'policy'] });
    expect(body).toBe('# Leave\n');
    expect(text.slice(bodyOffset)).toBe(body);
    expect(warnings).toEqual([]);
  });

  test('---yaml and ---json are data too', () => {
    expect(parseFrontMatter('---yaml\ntitle: A\n---\nx').data).toEqual({ title: 'A' });
    expect(parseFrontMatter('---json\n{ "title": "B" }\n---\nx').data).toEqual({ title: 'B' });
  });

  test.each(['js', 'javascript', 'coffee', 'toml', 'JS'])('engine %s is refused with a named reason', (engine) => {
    expect(() => parseFrontMatter(`---${engine}\n{ title: 'x' }\n---\nbody`)).toThrow(FrontMatterError);
    expect(() => parseFrontMatter(`---${engine}\n{ title: 'x' }\n---\nbody`)).toThrow(`front matter engine '${engine.toLowerCase()}' is not allowed; use YAML`);
  });

  test('an engine name with control characters is shown without them', () => {
    expect(() => parseFrontMatter('---\x1b]0;pwn\x07\nx: 1\n---\n')).toThrow(/engine '\?\]0;pwn\?'/);
  });

  test('no closing line, or a horizontal rule, is not front matter: the whole text is the body', () => {
    for (const text of ['---\ntitle: x\nno end', '----\ntext\n---\n']) {
      expect(parseFrontMatter(text)).toEqual({ data: {}, body: text, bodyOffset: 0, warnings: [] });
    }
  });

  test('invalid YAML, a scalar, or an alias bomb is ignored with a warning and the body kept', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
    for (const source of ['title: [unclosed', 'just a string', bomb]) {
      const { data, body, warnings } = parseFrontMatter(`---\n${source}\n---\nThe body.\n`);
      expect(data).toEqual({});
      expect(body).toBe('The body.\n');
      expect(warnings[0]).toMatch(/^front matter ignored: /);
    }
  });
});

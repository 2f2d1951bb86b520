import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentDetailSchema, documentListSchema } from '../src/server/schemas.js';
import { knowledgeBaseName } from '../src/server/routes/web-page.js';
import { indexedKb, type KbFixture, serve } from './server-fixture.js';

let kb: KbFixture;

beforeAll(async () => {
  kb = await indexedKb({}, (dataDir) => {
    const page = (front: string, body: string) => `---\ntitle: ${body}\n${front}\n---\n\n# ${body}\n\n${body} is described here in a full sentence.\n`;
    writeFileSync(join(dataDir, 'published.md'), page('source_url: https://docs.example.com/guide/published', 'Published page'));
    writeFileSync(join(dataDir, 'scripted.md'), page('url: "javascript:alert(document.cookie)"', 'Scripted link'));
    writeFileSync(join(dataDir, 'local.md'), page('url: file:///etc/passwd', 'Local link'));
  });
});
afterAll(() => kb?.close());

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.json();
}

describe('documents over HTTP: the original URL and the knowledge base name', () => {
  it('gives a document its http(s) URL from front matter, and never another scheme', async () => {
    const s = await serve(kb);
    try {
      const list = documentListSchema.parse(await getJson(`${s.url}/v1/documents?limit=500`));
      const byPath = new Map(list.documents.map((d) => [d.path, d]));
      const published = byPath.get('data/published.md');
      expect(published).toMatchObject({ url: 'https://docs.example.com/guide/published' });
      expect(byPath.get('data/scripted.md')).not.toHaveProperty('url');
      expect(byPath.get('data/local.md')).not.toHaveProperty('url');
      expect(byPath.get('data/hr/notice-periods-and-resignation.md')).not.toHaveProperty('url');

      const detail = documentDetailSchema.parse(await getJson(`${s.url}/v1/documents/${published!.id}`));
      expect(detail.url).toBe('https://docs.example.com/guide/published');
      expect(detail.chunks.some((c) => c.text.includes('Published page is described here'))).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('names the knowledge base in /v1/config, without its path', async () => {
    const s = await serve(kb);
    try {
      const config = (await getJson(`${s.url}/v1/config`)) as { knowledgeBase: { name: string } };
      expect(config.knowledgeBase).toEqual({ name: basename(kb.dir) });
      expect(JSON.stringify(config)).not.toContain(kb.dir);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['/srv/handbook/.kb', 'handbook'],
    ['/srv/handbook-kb', 'handbook-kb'],
    ['/.kb', '.kb'],
  ])('calls the knowledge base at %s "%s"', (dir, name) => {
    expect(knowledgeBaseName(dir)).toBe(name);
  });
});

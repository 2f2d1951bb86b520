import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KbRetriever } from '../src/index.js';
import { parseApiKeys } from '../src/server/api-keys.js';
import { type TwoCollections, twoCollections } from './collections-fixture.js';
import { type Served, serve } from './server-fixture.js';

let kbs: TwoCollections;
let served: Served;
const KEY = 'reader-key-0123456789abcdef';

beforeAll(async () => {
  kbs = await twoCollections();
  served = await serve(kbs.fixtures.hr, { apiKeys: parseApiKeys(`ci:reader:${KEY}`) });
}, 120_000);

afterAll(async () => {
  await served?.close();
  await kbs?.close();
});

describe('KbRetriever', () => {
  it('in-process: Documents with the citation metadata, honouring k and where', async () => {
    const retriever = new KbRetriever({ service: kbs.catalog.byName('default')!.service, k: 3, where: { equals: { key: 'format', value: 'pdf' } } });
    const docs = await retriever.invoke('information security policy');
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.length).toBeLessThanOrEqual(3);
    for (const d of docs) {
      expect(d.metadata.path).toMatch(/\.pdf$/);
      expect(d.metadata.source).toBe(d.metadata.path);
      expect(typeof d.metadata.page).toBe('number');
      expect(d.metadata.score).toBeGreaterThan(0);
      expect(d.id).toBe(String(d.metadata.chunkId));
      expect(d.pageContent.length).toBeGreaterThan(0);
    }
  });

  it('over HTTP with a key: the same passages as in-process', async () => {
    const overHttp = await new KbRetriever({ url: served.url, apiKey: KEY, k: 4 }).invoke('parental leave');
    const inProcess = await new KbRetriever({ service: kbs.catalog.byName('hr')!.service, k: 4 }).invoke('parental leave');
    expect(overHttp.map((d) => [d.metadata.path, d.metadata.heading, d.metadata.chunkId])).toEqual(inProcess.map((d) => [d.metadata.path, d.metadata.heading, d.metadata.chunkId]));
    expect(overHttp[0]!.metadata.path).toMatch(/parental-leave/);
  });

  it('over HTTP without a valid key: an error that says so, not an empty list', async () => {
    await expect(new KbRetriever({ url: served.url, apiKey: 'wrong-key-0123456789' }).invoke('parental leave')).rejects.toThrow(/401/);
  });
});

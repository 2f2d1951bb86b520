import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { type CollectionCatalog, createCatalog } from '../src/collections/collection-catalog.js';
import { kbServiceOverOpenKb } from '../src/collections/kb-service-over-open-kb.js';
import type { ScopedPrincipal } from '../src/collections/scope.js';
import { indexedKb, type KbFixture } from './server-fixture.js';

export interface TwoCollections {
  catalog: CollectionCatalog;
  /** `default`: the sample data without hr/; `hr`: only hr/. */
  fixtures: { default: KbFixture; hr: KbFixture };
  close(): Promise<void>;
}

/** Two knowledge bases indexed offline from the sample data, as the collections `default` and `hr`. */
export async function twoCollections(): Promise<TwoCollections> {
  const main = await indexedKb({}, (data) => rmSync(join(data, 'hr'), { recursive: true }));
  const hr = await indexedKb({}, (data) => {
    for (const folder of ['engineering', 'finance', 'it', 'security']) rmSync(join(data, folder), { recursive: true, force: true });
  });
  const answerer = createExtractiveAnswerer();
  const service = (f: KbFixture) => kbServiceOverOpenKb({ kb: f.kb, answerer, minCoverage: f.config.retrieval.minCoverage });
  const catalog = createCatalog([
    { name: 'default', service: service(main), description: 'Engineering, finance, IT and security' },
    { name: 'hr', service: service(hr), description: 'People policies' },
  ]);
  return { catalog, fixtures: { default: main, hr }, close: async () => { await main.close(); await hr.close(); } };
}

/** Keys of the scope matrix: each key's principal. */
export const KEYS: Record<string, ScopedPrincipal> = {
  'key-everything-0123456789': { name: 'ops', scopes: { '*': 'admin' } },
  'key-engineering-0123456789': { name: 'eng', scopes: { default: 'reader' } },
  'key-hr-only-0123456789': { name: 'people', scopes: { hr: 'reader' } },
};

export function bearerPrincipal(authorization: string | undefined): ScopedPrincipal | undefined {
  const key = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  return key ? KEYS[key] : undefined;
}

export async function listen(app: Express | ((req: any, res: any) => void)): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

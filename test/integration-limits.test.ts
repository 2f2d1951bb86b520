import { BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { createKbApiHandler } from '../src/bedrock-kb-api/kb-api-handler.js';
import { createCatalog, DEFAULT_COLLECTION } from '../src/collections/collection-catalog.js';
import { kbServiceOverOpenKb } from '../src/collections/kb-service-over-open-kb.js';
import { keyStorePaths } from '../src/keys/key-store-paths.js';
import { openKeyStore } from '../src/keys/key-store.js';
import { serverKbApiKeys } from '../src/keys/server-kb-api-keys.js';
import { createKeyGate, type KeyGate } from '../src/server/key-gate.js';
import { createKnowledgeBaseApp } from '../src/server/knowledge-base-app.js';
import { type RunningServer, startServer } from '../src/server/start-server.js';
import { indexedKb, type KbFixture } from './server-fixture.js';

// The routes that authenticate keys themselves (/mcp, /v1/collections, the Bedrock-compatible API) have the
// REST routes' limits: per-key requests per minute, and a lockout of addresses that send invalid keys.
let fixture: KbFixture;
let key: string;
let now = 1_000_000;

beforeAll(async () => {
  fixture = await indexedKb();
  key = openKeyStore(keyStorePaths(fixture.kbDir)).create({ name: 'agent', scopes: { '*': 'reader' } }).key;
});
afterAll(async () => {
  await fixture?.close();
});

/** kb serve's app and server over the fixture, with a gate of its own. */
async function serveWith(gate: KeyGate): Promise<{ url: string; close(): Promise<void> }> {
  const answerer = createExtractiveAnswerer();
  const catalog = createCatalog([{ name: DEFAULT_COLLECTION, service: kbServiceOverOpenKb({ kb: fixture.kb, answerer, minCoverage: fixture.config.retrieval.minCoverage }) }]);
  const keys = serverKbApiKeys(openKeyStore(keyStorePaths(fixture.kbDir)), []);
  const kbApi = createKbApiHandler({ catalog, keys, gate });
  const app = createKnowledgeBaseApp({ config: fixture.config, kb: fixture.kb, answerer, apiKeys: [], logger: pino({ level: 'silent' }), integrations: { catalog, keys, kbApi, gate } });
  const running: RunningServer = await startServer({ app: app.app, host: '127.0.0.1', port: 0, authEnabled: app.authEnabled, kbApi });
  return {
    url: running.url,
    close: async () => {
      await app.close();
      await running.close(1000);
      gate.close();
    },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const mcp = (url: string, token: string) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'limits-test', version: '1' } } }),
  });
const retrieve = (url: string, secretAccessKey: string) =>
  new BedrockAgentRuntimeClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'agent', secretAccessKey } })
    .send(new RetrieveCommand({ knowledgeBaseId: DEFAULT_COLLECTION, retrievalQuery: { text: 'notice period' } }))
    .then(() => 'ok', (e: { name?: string }) => e.name);

describe('limits of /mcp, /v1/collections and the Bedrock-compatible API', () => {
  it('counts a key\'s requests across the three, and refuses the one over server.rateLimitPerMinute with 429 / ThrottlingException', async () => {
    const s = await serveWith(createKeyGate({ perMinute: 3 }));
    try {
      expect((await fetch(`${s.url}/v1/collections`, { headers: bearer(key) })).status).toBe(200);
      expect((await mcp(s.url, key)).status).toBe(200);
      expect(await retrieve(s.url, key)).toBe('ok');
      const over = await fetch(`${s.url}/v1/collections`, { headers: bearer(key) });
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await mcp(s.url, key)).status).toBe(429);
      expect(await retrieve(s.url, key)).toBe('ThrottlingException');
    } finally {
      await s.close();
    }
  });

  it('locks out an address after too many invalid keys, even when its next key is right, until the window ends', async () => {
    const s = await serveWith(createKeyGate({ perMinute: 1000, failedLogins: { maxFailures: 3, windowMs: 60_000, now: () => now } }));
    try {
      expect((await fetch(`${s.url}/v1/collections`, { headers: bearer('kb_wrong-0123456789abcdef') })).status).toBe(401);
      expect((await mcp(s.url, 'kb_wrong-0123456789abcdef')).status).toBe(401);
      expect(await retrieve(s.url, 'kb_wrong-0123456789abcdef')).toBe('InvalidSignatureException');
      expect((await fetch(`${s.url}/v1/collections`, { headers: bearer(key) })).status).toBe(429);
      expect((await mcp(s.url, key)).status).toBe(429);
      expect(await retrieve(s.url, key)).toBe('ThrottlingException');
      now += 60_001;
      expect((await fetch(`${s.url}/v1/collections`, { headers: bearer(key) })).status).toBe(200);
      expect(await retrieve(s.url, key)).toBe('ok');
    } finally {
      await s.close();
    }
  });
});

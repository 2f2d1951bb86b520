import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, waitForOutput } from './child-output.js';
import { runCli } from '../src/cli/run-cli.js';
import { indexWithCli, memoryCtx } from './server-fixture.js';
import { DATA_DIR } from './temp-dir.js';

const BIN = join(resolve(import.meta.dirname, '..'), 'dist', 'src', 'cli', 'bin.js');

let dir: string;
let server: ChildProcess;
let exited: Promise<number | null>;
let url: string;
let kbId: string;
let key: string;
let hrKey: string;
let logs = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kb-serve-integrations-'));
  const dataDir = join(dir, 'data');
  cpSync(DATA_DIR, dataDir, { recursive: true });
  const kbDir = join(dir, '.kb');
  await indexWithCli(dataDir, kbDir, dir);
  const created = memoryCtx(dir);
  expect(await runCli(['keys', 'create', 'agent', '--collection', '*', '--role', 'reader', '--kb-dir', kbDir, '--json'], created)).toBe(0);
  key = (JSON.parse(created.out.join('')) as { key: string }).key;
  const hrOnly = memoryCtx(dir);
  expect(await runCli(['keys', 'create', 'hr-bot', '--collection', 'hr', '--role', 'reader', '--kb-dir', kbDir, '--json'], hrOnly)).toBe(0);
  hrKey = (JSON.parse(hrOnly.out.join('')) as { key: string }).key;

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KB_|AWS_)/.test(k)) env[k] = v;
  server = spawn(process.execPath, [BIN, 'serve', '--kb-dir', kbDir, '--port', '0'], { cwd: dir, env: { ...env, KB_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = exitOf(server);
  const idLine = waitForOutput(server.stderr!, /knowledge base id ([0-9a-zA-Z]{10})/);
  [, url] = (await waitForOutput(server.stdout!, /on (http:\/\/\S+) /)) as [string, string];
  [, kbId] = (await idLine) as [string, string];
  server.stdout!.resume();
  server.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
}, 120_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

const mcpTransport = (bearer: string) => new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } });
const bedrock = (secretAccessKey: string) => new BedrockAgentRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'agent', secretAccessKey } });

describe('kb serve as a process', () => {
  it('serves MCP at /mcp: the SDK client lists the tools and search returns passages', async () => {
    const client = new Client({ name: 'serve-integrations-test', version: '1.0.0' });
    await client.connect(mcpTransport(key));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('search');
    const result = await client.callTool({ name: 'search', arguments: { query: 'notice period when resigning', topK: 3 } });
    await expect.poll(() => logs.includes('"audit":"mcp","key":"agent","tool":"search","collection":"default","ok":true')).toBe(true);
    expect(result.isError).toBeFalsy();
    const { passages } = result.structuredContent as { passages: Array<{ path: string; score: number }> };
    expect(passages.length).toBeGreaterThan(0);
    expect(passages[0]!.path).toMatch(/notice-periods/);
    await client.close();
  });

  it('answers Bedrock RetrieveCommand with the knowledge base id it printed, signed with the key', async () => {
    const out = await bedrock(key).send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'How many weeks of parental leave?' }, retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 3 } } }));
    expect(out.retrievalResults?.length).toBe(3);
    expect(out.retrievalResults!.some((r) => String(r.metadata?.['x-amz-bedrock-kb-source-uri']).includes('parental-leave'))).toBe(true);
  });

  it('refuses a wrong key on /mcp (401) and on Retrieve (403)', async () => {
    const client = new Client({ name: 'serve-integrations-test', version: '1.0.0' });
    await expect(client.connect(mcpTransport('kb_not-a-key-0123456789'))).rejects.toThrow(/401|Unauthorized|API key/);
    const refused = await bedrock('kb_not-the-key-0123456789').send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'leave' } })).catch((e: { $metadata?: { httpStatusCode?: number } }) => e);
    expect((refused as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
  });

  it('lists the default collection with its knowledge base id at GET /v1/collections, and only with a key', async () => {
    const res = await fetch(`${url}/v1/collections`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ defaultCollection: 'default', collections: [{ name: 'default', knowledgeBaseId: kbId, default: true }] });
    expect((await fetch(`${url}/v1/collections`, { headers: { authorization: 'Bearer kb_not-a-key-0123456789' } })).status).toBe(401);
  });
});

describe('kb keys on the REST routes', () => {
  it('opens them with a key-store key, named in the audit line; a key without a role on the default collection is 403; none is 401', async () => {
    const ask = (headers: Record<string, string>) => fetch(`${url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ question: 'How long is the notice period?' }) });
    const ok = await ask({ authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { found: boolean }).found).toBe(true);
    const requestId = ok.headers.get('x-request-id');
    await expect.poll(() => logs.split('\n').some((l) => l.includes('"audit":"query"') && l.includes('"keyId":"agent"') && l.includes(String(requestId)))).toBe(true);
    const hr = await ask({ authorization: `Bearer ${hrKey}` });
    expect(hr.status).toBe(403);
    expect(((await hr.json()) as { detail: string }).detail).toMatch(/may not read the default collection/);
    expect((await ask({})).status).toBe(401);
    expect((await fetch(`${url}/v1/documents`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });
});

describe('serverKbApiKeys', () => {
  it('takes key-store keys for SigV4 and Bearer, REST keys as Bearer with their role on every collection, and is on when either has keys', async () => {
    const { openKeyStore } = await import('../src/keys/key-store.js');
    const { serverKbApiKeys } = await import('../src/keys/server-kb-api-keys.js');
    const { parseApiKeys } = await import('../src/server/api-keys.js');
    const keysDir = mkdtempSync(join(tmpdir(), 'kb-keys-'));
    try {
      const store = openKeyStore({ file: join(keysDir, 'keys.json'), secretFile: join(keysDir, 'secret') });
      const rest = parseApiKeys('ops:admin:rest-key-0123456789abcdef');
      expect(serverKbApiKeys(store, []).enabled).toBe(false);
      const keys = serverKbApiKeys(store, rest);
      expect(keys.enabled).toBe(true);
      expect(keys.bearer('rest-key-0123456789abcdef')).toEqual({ name: 'ops', scopes: { '*': 'admin' } });
      expect(keys.secretFor('ops')).toBeUndefined();
      const { key } = store.create({ name: 'hr-bot', scopes: { hr: 'reader' } });
      expect(keys.bearer(key)).toEqual({ name: 'hr-bot', scopes: { hr: 'reader' }, access: [] });
      expect(keys.secretFor('hr-bot')).toBe(key);
      expect(keys.bearer('kb_wrong-0123456789abcdef')).toBeUndefined();
    } finally {
      rmSync(keysDir, { recursive: true, force: true });
    }
  });
});

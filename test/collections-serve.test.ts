import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { exitOf, waitForOutput } from './child-output.js';
import { memoryCtx } from './server-fixture.js';
import { DATA_DIR } from './temp-dir.js';

// One `kb serve` process over two knowledge bases from kb.config.json (the main one, "default", and the
// collection "hr" with its own kb dir), and keys scoped per collection: the scope matrix over REST, MCP and the
// Bedrock-compatible API. A key never learns that a collection it may not read exists.
const BIN = join(resolve(import.meta.dirname, '..'), 'dist', 'src', 'cli', 'bin.js');

let dir: string;
let server: ChildProcess;
let exited: Promise<number | null>;
let url: string;
const ids: Record<string, string> = {};
const keys: Record<'ops' | 'eng' | 'people' | 'managers', string> = { ops: '', eng: '', people: '', managers: '' };

async function cli(args: string[]): Promise<string> {
  const ctx = memoryCtx(dir);
  const code = await runCli([...args, '--json'], ctx);
  if (code !== 0) throw new Error(`kb ${args.join(' ')} exited ${code}: ${ctx.err.join('')}${ctx.out.join('')}`);
  return ctx.out.join('');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kb-collections-'));
  cpSync(DATA_DIR, join(dir, 'docs'), { recursive: true });
  cpSync(join(DATA_DIR, 'hr'), join(dir, 'people', 'hr'), { recursive: true });
  rmSync(join(dir, 'docs', 'hr'), { recursive: true });
  // Only keys with the access tag "managers" (or *) may read this one.
  writeFileSync(join(dir, 'docs', 'finance', 'salary-bands.md'), '---\naccess: [managers, hr-leads]\n---\n# Salary bands\n\nThe quindecim salary band for senior engineers starts at 91,000 euros.\n');
  writeFileSync(join(dir, 'kb.config.json'), JSON.stringify({ roots: ['docs'], collections: { hr: { kbDir: 'hr-kb', roots: ['people'], description: 'People policies' } } }));
  await cli(['index']);
  await cli(['index', '--collection', 'hr']);
  for (const [name, collection, role, access] of [['ops', '*', 'admin', '*'], ['eng', 'default', 'reader', ''], ['people', 'hr', 'reader', ''], ['managers', 'default', 'reader', 'managers']] as const) {
    keys[name] = (JSON.parse(await cli(['keys', 'create', name, '--collection', collection, '--role', role, ...(access ? ['--access', access] : [])])) as { key: string }).key;
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KB_|AWS_)/.test(k)) env[k] = v;
  server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: dir, env: { ...env, KB_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = exitOf(server);
  let logs = '';
  server.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
  const logged = waitForOutput(server.stderr!, /collection hr: knowledge base id/);
  [, url] = (await waitForOutput(server.stdout!, /on (http:\/\/\S+) /)) as [string, string];
  server.stdout!.resume();
  await logged;
  for (const m of logs.matchAll(/collection (\w+): knowledge base id (\w{10})/g)) ids[m[1]!] = m[2]!;
}, 180_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

const call = async (path: string, key: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const question = { question: 'How many weeks of parental leave do employees get?' };
type Answer = { found: boolean; citations: Array<{ path: string }> };

describe('collections from kb.config.json with scoped keys', () => {
  it('lists to each key only the collections it may read', async () => {
    const names = async (key: string) => ((await call('/v1/collections', key)).json.collections as Array<{ name: string }>).map((c) => c.name).sort();
    expect(await names(keys.ops)).toEqual(['default', 'hr']);
    expect(await names(keys.eng)).toEqual(['default']);
    expect(await names(keys.people)).toEqual(['hr']);
    expect(ids.hr).toMatch(/^\w{10}$/);
    expect(ids.hr).not.toBe(ids.default);
  });

  it('answers from each collection\'s own index under /v1/collections/{name}/…, and /v1/… is the default one', async () => {
    const hr = await call('/v1/collections/hr/query', keys.people, question);
    expect(hr.status).toBe(200);
    expect((hr.json as Answer).found).toBe(true);
    expect((hr.json as Answer).citations[0]!.path).toMatch(/^people\/hr\//);
    const main = await call('/v1/query', keys.eng, question);
    expect(main.status).toBe(200);
    for (const c of (main.json as Answer).citations) expect(c.path).toMatch(/^docs\//);
    const alias = await call('/v1/collections/default/query', keys.eng, question);
    expect(alias.json).toMatchObject({ found: main.json.found, answer: main.json.answer });
    const docs = await call('/v1/collections/hr/documents', keys.ops);
    expect((docs.json.documents as Array<{ path: string }>).every((d) => d.path.startsWith('people/hr/'))).toBe(true);
  });

  it('gives a key without a role in a collection the same 404 as a collection that does not exist', async () => {
    const hidden = await call('/v1/collections/hr/query', keys.eng, question);
    const absent = await call('/v1/collections/nope/query', keys.eng, question);
    expect(hidden.status).toBe(404);
    expect(absent.status).toBe(404);
    const strip = (j: Record<string, unknown>) => JSON.stringify({ ...j, instance: undefined, requestId: undefined, detail: String(j.detail).replace(/hr|nope/g, 'X') });
    expect(strip(hidden.json)).toBe(strip(absent.json));
    expect((await call('/v1/collections/hr/documents', keys.eng)).status).toBe(404);
    // The default collection exists on every server: there a missing role is a 403.
    expect((await call('/v1/query', keys.people, question)).status).toBe(403);
  });

  it('lets an admin start an index job in a collection and poll it there; a reader may not', async () => {
    const started = await call('/v1/collections/hr/index', keys.ops, {});
    expect(started.status).toBe(202);
    expect(String(started.json.href)).toMatch(/^\/v1\/collections\/hr\/jobs\/[\w-]+$/);
    await expect.poll(async () => (await call(String(started.json.href), keys.ops)).json.status, { timeout: 30_000 }).toBe('succeeded');
    expect((await call('/v1/collections/hr/index', keys.people, {})).status).toBe(403);
  });

  it('serves each collection to MCP and Bedrock Retrieve by its knowledge base id, with the same scopes', async () => {
    const client = new Client({ name: 'collections-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys.people}` } } }));
    const listed = (await client.callTool({ name: 'list_collections', arguments: {} })).structuredContent as { collections: Array<{ name: string }> };
    expect(listed.collections.map((c) => c.name)).toEqual(['hr']);
    const found = (await client.callTool({ name: 'search', arguments: { collection: 'hr', query: 'parental leave', topK: 2 } })).structuredContent as { passages: Array<{ path: string }> };
    expect(found.passages[0]!.path).toMatch(/^people\/hr\//);
    await client.close();

    const retrieve = (name: 'people' | 'eng') =>
      new BedrockAgentRuntimeClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: name, secretAccessKey: keys[name] } })
        .send(new RetrieveCommand({ knowledgeBaseId: ids.hr!, retrievalQuery: { text: 'parental leave' } }))
        .then((r) => r.retrievalResults?.[0]?.location?.s3Location?.uri ?? JSON.stringify(r.retrievalResults?.[0]?.metadata), (e: { name?: string }) => e.name);
    expect(await retrieve('people')).toMatch(/hr/);
    expect(await retrieve('eng')).toBe('ResourceNotFoundException');
  });

  it('answers the LangChain retriever of the package over HTTP for a named collection, with its scopes', async () => {
    const { KbRetriever } = await import('../src/index.js');
    const docs = await new KbRetriever({ url, apiKey: keys.people, collection: 'hr', k: 3 }).invoke('parental leave weeks');
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d.metadata.path).toMatch(/^people\/hr\//);
    await expect(new KbRetriever({ url, apiKey: keys.eng, collection: 'hr' }).invoke('parental leave')).rejects.toThrow(/answered 404/);
  });

  it('hides a document whose access tags a key lacks from every route, inside the store query', async () => {
    const SALARY = { question: 'quindecim salary band senior engineers', topK: 5 };
    const retrieved = async (key: string) => ((await call('/v1/retrieve', key, SALARY)).json.chunks as Array<{ path: string }>).map((c) => c.path);
    const listed = async (key: string) => ((await call('/v1/documents?limit=100', key)).json.documents as Array<{ path: string; id: number }>);
    expect(await retrieved(keys.managers)).toContain('docs/finance/salary-bands.md');
    expect(await retrieved(keys.ops)).toContain('docs/finance/salary-bands.md');
    expect(await retrieved(keys.eng)).not.toContain('docs/finance/salary-bands.md');
    const hiddenId = (await listed(keys.ops)).find((d) => d.path === 'docs/finance/salary-bands.md')!.id;
    expect((await listed(keys.eng)).map((d) => d.path)).not.toContain('docs/finance/salary-bands.md');
    expect((await call(`/v1/documents/${hiddenId}`, keys.eng)).status).toBe(404);
    expect((await call(`/v1/documents/${hiddenId}`, keys.managers)).status).toBe(200);
    const answer = (await call('/v1/query', keys.eng, { question: 'What is the quindecim salary band for senior engineers?' })).json as Answer & { answer: string };
    expect(answer.answer).not.toContain('91,000');

    const client = new Client({ name: 'access-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys.eng}` } } }));
    const found = (await client.callTool({ name: 'search', arguments: { query: SALARY.question, topK: 5 } })).structuredContent as { passages: Array<{ path: string }> };
    expect(found.passages.map((p) => p.path)).not.toContain('docs/finance/salary-bands.md');
    await client.close();
    const bedrock = (name: 'eng' | 'managers') =>
      new BedrockAgentRuntimeClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: name, secretAccessKey: keys[name] } })
        .send(new RetrieveCommand({ knowledgeBaseId: 'default', retrievalQuery: { text: SALARY.question } }))
        .then((r) => JSON.stringify(r.retrievalResults));
    expect(await bedrock('eng')).not.toContain('salary-bands');
    expect(await bedrock('managers')).toContain('salary-bands');
  });
});

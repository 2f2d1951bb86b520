import { gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import { loadConfig } from '../src/config.js';
import { problemSchema } from '../src/server/schemas.js';
import { compileGlob } from '../src/store/compile-glob.js';
import { globCacheStats, matchDocumentGlob } from '../src/store/match-document-glob.js';
import { jsonBody, rawRequest, type RawResponse } from './http-client.js';
import { indexWithCli, type KbFixture, serve } from './server-fixture.js';

const REDOS_GLOB = 'docs/*?*?*?*?*?*?*?Z';

/** A knowledge base over one folder named `docs`, with long names (what the ReDoS glob backtracks on) and a .txt. */
async function docsKb(): Promise<KbFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'kb-hostile-'));
  const dataDir = join(dir, 'docs');
  const files: Record<string, string> = { 'notes/readme.txt': 'The notice period is thirty days for plain text notes.', 'guide.md': '# Guide\n\nThe notice period is explained in this guide.' };
  for (let i = 0; i < 30; i++) files[`${'a'.repeat(40 + i)}-notice-${i}.md`] = `# Long ${i}\n\nA notice period note number ${i}.`;
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dataDir, rel)), { recursive: true });
    writeFileSync(join(dataDir, rel), text);
  }
  const kbDir = join(dir, '.kb');
  await indexWithCli(dataDir, kbDir, dir);
  const config = loadConfig({ cwd: dir, env: {}, flags: { kbDir, roots: [dataDir] } });
  const kb = await openKnowledgeBase(config);
  return { dir, dataDir, kbDir, config, kb, close: async () => { await kb.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function expectProblem(r: RawResponse, status: number) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  problemSchema.parse(r.json);
}

let fixture: KbFixture;
beforeAll(async () => {
  fixture = await docsKb();
});
afterAll(() => fixture?.close());

describe('path globs', () => {
  it('match in linear time: the ReDoS glob is answered quickly while /healthz keeps answering (well under the seconds a backtracking matcher takes)', async () => {
    const s = await serve(fixture, { server: { rateLimitPerMinute: 100_000 } });
    try {
      await rawRequest(s.url, '/healthz'); // warm the connection path
      const retrieve = rawRequest(s.url, '/v1/retrieve', { method: 'POST', ...jsonBody({ question: 'notice period', filters: { pathGlob: REDOS_GLOB } }) });
      const health = rawRequest(s.url, '/healthz');
      const [r, h] = await Promise.all([retrieve, health]);
      expect(h.status).toBe(200);
      expect(h.ms).toBeLessThan(1000); // generous: a backtracking matcher stalls the loop for seconds; CI machines are loaded
      expect(r.status).toBe(200);
      expect(r.json.chunks).toEqual([]); // no stored path ends in Z
      expect(r.ms).toBeLessThan(2000);
      // The same shape that can match does: linear, not merely refused.
      const z = await rawRequest(s.url, '/v1/retrieve', { method: 'POST', ...jsonBody({ question: 'notice period', filters: { pathGlob: 'docs/*?*?*?*?*?*?*?.md' } }) });
      expect(z.json.chunks.length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('refuses over-long, wildcard-heavy and brace-bomb globs with a 400 naming filters.pathGlob', async () => {
    const s = await serve(fixture);
    try {
      for (const glob of ['a'.repeat(257), '*?'.repeat(17), '{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}', 'docs/{f1']) {
        const r = await rawRequest(s.url, '/v1/retrieve', { method: 'POST', ...jsonBody({ question: 'notice', filters: { pathGlob: glob } }) });
        expectProblem(r, 400);
        expect(r.json.errors.map((e: { field: string }) => e.field)).toContain('filters.pathGlob');
      }
    } finally {
      await s.close();
    }
  });

  it('match relative to the indexed folder, or with its name, over HTTP', async () => {
    const s = await serve(fixture);
    try {
      const paths = async (pathGlob: string) =>
        new Set(((await rawRequest(s.url, '/v1/retrieve', { method: 'POST', ...jsonBody({ question: 'notice period', topK: 50, filters: { pathGlob } }) })).json.chunks as Array<{ path: string }>).map((c) => c.path));
      expect(await paths('**/*.txt')).toEqual(new Set(['docs/notes/readme.txt']));
      expect(await paths('notes/*.txt')).toEqual(new Set(['docs/notes/readme.txt']));
      expect(await paths('docs/notes/*.txt')).toEqual(new Set(['docs/notes/readme.txt']));
      const markdown = await paths('*.md');
      expect(markdown).toContain('docs/guide.md');
      expect([...markdown].every((p) => /^docs\/[^/]+\.md$/.test(p))).toBe(true);
      expect(await paths('g*.md')).toEqual(new Set(['docs/guide.md']));
      expect(await paths('docs/g*.md')).toEqual(new Set(['docs/guide.md']));
      expect(await paths('*.txt')).toEqual(new Set()); // `*` stays inside one folder: readme.txt is under notes/
    } finally {
      await s.close();
    }
  });

  it('keep the compiled-glob cache within its bound over 20,000 distinct patterns', () => {
    for (let i = 0; i < 20_000; i++) matchDocumentGlob(`docs/**/file-${i}-*.md`, 'docs/a/file-1-x.md');
    const { size, max } = globCacheStats();
    expect(size).toBeLessThanOrEqual(max);
    expect(size).toBeGreaterThan(0);
    expect(max).toBeLessThan(20_000);
  });

  it.each([
    ['data/**/*.md', 'data/hr/leave.md', true],
    ['data/**/*.md', 'data/leave.md', true],
    ['data/*.md', 'data/hr/leave.md', false],
    ['data/{hr,it}/*.md', 'data/it/laptops.md', true],
    ['data/{hr,it}/*.md', 'data/finance/x.md', false],
    ['data/{hr,{it,ops}}/*.md', 'data/ops/x.md', true],
    ['**/a,b.md', 'atoms/x.md', false], // a comma outside braces is a literal comma
    ['**/a,b.md', 'x/a,b.md', true],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'dir/1.txt', false],
    ['a**', 'a/b/c', true],
    ['*.(md)', 'x.(md)', true], // RegExp syntax is literal
    [REDOS_GLOB, `docs/${'ab'.repeat(200)}`, false],
  ])('compileGlob(%s) on %s is %s', (glob, path, expected) => {
    expect(compileGlob(glob).test(path)).toBe(expected);
  });

  it('matches a worst-case glob against a long path in linear time', () => {
    const glob = compileGlob(`${'*?'.repeat(16)}Z`);
    const path = 'a'.repeat(100_000);
    const started = performance.now();
    expect(glob.test(path)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('malformed requests', () => {
  it('answers bad percent-encoding and an invalid gzip body with 400, logged below error', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const s = await serve(fixture, { logger });
    try {
      for (const path of ['/v1/documents/%zz', '/v1/jobs/%E0%A4%A', '/v1/documents/%']) {
        const r = await rawRequest(s.url, path);
        expectProblem(r, 400);
        expect(r.json.code).toBe('MALFORMED_URL');
      }
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const r = await rawRequest(s.url, '/v1/retrieve', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body: Buffer.from('garbage, not compressed') });
        expectProblem(r, 400);
        expect(r.json.code).toBe('MALFORMED_BODY');
      }
      // A valid gzip body still works.
      const ok = await rawRequest(s.url, '/v1/retrieve', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gzipSync(JSON.stringify({ question: 'notice' })) });
      expect(ok.status).toBe(200);
      const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(parsed.filter((l) => l.level >= 50)).toEqual([]);
      expect(parsed.filter((l) => l.msg === 'malformed request' && l.level === 40)).toHaveLength(6);
    } finally {
      await s.close();
    }
  });

  it('addresses a document by decimal digits only, for GET and DELETE', async () => {
    const s = await serve(fixture);
    try {
      const id = ((await rawRequest(s.url, '/v1/documents?limit=1')).json.documents as Array<{ id: number }>)[0]!.id;
      expect((await rawRequest(s.url, `/v1/documents/${id}`)).status).toBe(200);
      for (const loose of [`0x${id.toString(16)}`, `${id}e0`, `+${id}`, `%20${id}`, `${id}%20`, `${id}.0`, '-1', '0', '99999999999999999999']) {
        for (const method of ['GET', 'DELETE']) {
          const r = await rawRequest(s.url, `/v1/documents/${loose}`, { method });
          expect([400, 404], `${method} ${loose}`).toContain(r.status);
          if (r.status === 404) expect(loose).toMatch(/^[0-9]+$/);
        }
      }
      expect((await rawRequest(s.url, `/v1/documents/${id}`)).status).toBe(200); // no loose DELETE removed it
    } finally {
      await s.close();
    }
  });
});

const ADMIN_KEY = 'admin-secret-0123456789abcdef';
const READER_KEY = 'reader-secret-0123456789abcdef';
const KEYS_ENV = `ops:admin:${ADMIN_KEY},ci:reader:${READER_KEY}`;

describe('without API keys (loopback default)', () => {
  it('answers only to loopback Host names with its own port (DNS rebinding)', async () => {
    const s = await serve(fixture);
    const port = new URL(s.url).port;
    try {
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) expect((await rawRequest(s.url, '/v1/documents', { headers: { Host: host } })).status, host).toBe(200);
      for (const host of [`attacker.example:${port}`, 'attacker.example', `localhost:${Number(port) + 1}`, `localhost.attacker.example:${port}`, `127.0.0.1.nip.io:${port}`, `[::1]:${port}x`]) {
        const r = await rawRequest(s.url, '/v1/documents', { headers: { Host: host } });
        expect(r.status, host).toBe(421);
        expectProblem(r, 421);
        expect(r.json.code).toBe('HOST_NOT_ALLOWED');
        expect(r.text).not.toContain('"documents"');
      }
      // Probes and the page too: a rebound page must not even load.
      expectProblem(await rawRequest(s.url, '/', { headers: { Host: `attacker.example:${port}` } }), 421);
    } finally {
      await s.close();
    }
  });

  it('refuses state-changing requests from another origin, and serves its own page', async () => {
    const s = await serve(fixture, { server: { corsOrigins: ['https://intranet.example'] } });
    const port = new URL(s.url).port;
    const host = { Host: `127.0.0.1:${port}` };
    try {
      const started: number[] = [];
      const hostile: Array<Record<string, string>> = [{ Origin: 'https://evil.example' }, { Origin: 'null' }, { Origin: `http://localhost:${Number(port) + 1}` }, { Origin: `http://attacker.example:${port}` }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }];
      for (const headers of hostile) {
        const index = await rawRequest(s.url, '/v1/index', { method: 'POST', headers: { ...host, ...headers } });
        expectProblem(index, 403);
        expect(index.json.detail).toMatch(/another site/);
        const del = await rawRequest(s.url, '/v1/documents/1', { method: 'DELETE', headers: { ...host, ...headers } });
        expectProblem(del, 403);
        started.push(index.status, del.status);
      }
      expect(started.every((status) => status === 403)).toBe(true);
      // Its own origin (any loopback name on its port), a configured CORS origin and non-browser clients pass.
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'https://intranet.example']) {
        const r = await rawRequest(s.url, '/v1/retrieve', { method: 'POST', headers: { ...host, Origin: origin, 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'notice' }) });
        expect(r.status, origin).toBe(200);
      }
      expect((await rawRequest(s.url, '/v1/retrieve', { method: 'POST', headers: { ...host, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'notice' }) })).status).toBe(200);
      expect((await rawRequest(s.url, '/v1/retrieve', { method: 'POST', ...jsonBody({ question: 'notice' }) })).status).toBe(200);
      // Reads from another origin are not state-changing (and CORS keeps the browser from reading them).
      expect((await rawRequest(s.url, '/v1/documents', { headers: { ...host, Origin: 'https://evil.example' } })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('leaves Host and Origin to the keys when API keys are set', async () => {
    const s = await serve(fixture, { env: { apiKeys: KEYS_ENV } });
    try {
      const r = await rawRequest(s.url, '/v1/documents', { headers: { Host: 'kb.intranet.example', Authorization: `Bearer ${READER_KEY}` } });
      expect(r.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('failed logins', () => {
  it('are limited per address before the key is checked: 429 with Retry-After, other addresses and valid keys unaffected', async () => {
    let now = 1_000_000;
    const s = await serve(fixture, { env: { apiKeys: KEYS_ENV }, server: { rateLimitPerMinute: 100_000 }, failedLogins: { maxFailures: 20, windowMs: 60_000, now: () => now } });
    const as = (localAddress: string, key: string) => rawRequest(s.url, '/v1/documents?limit=1', { localAddress, headers: { Authorization: `Bearer ${key}` } });
    try {
      for (let i = 0; i < 20; i++) expect((await as('127.0.0.2', `wrong-key-${i}-0123456789abcdef`)).status).toBe(401);
      // Valid keys from another address, before and after, never count as failures.
      for (let i = 0; i < 30; i++) expect((await as('127.0.0.3', READER_KEY)).status).toBe(200);
      const limited = await as('127.0.0.2', 'wrong-key-x-0123456789abcdef');
      expectProblem(limited, 429);
      expect(Number(limited.headers['retry-after'])).toBe(60);
      // Refused before the key is looked at: a right guess from a limited address learns nothing.
      expectProblem(await as('127.0.0.2', READER_KEY), 429);
      expect((await as('127.0.0.4', 'wrong-key-y-0123456789abcdef')).status).toBe(401);
      now += 30_000;
      expect(Number((await as('127.0.0.2', READER_KEY)).headers['retry-after'])).toBe(30);
      now += 30_001;
      expect((await as('127.0.0.2', READER_KEY)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('API keys in configuration', () => {
  it('never echo secret material when KB_API_KEYS is malformed', async () => {
    const { parseApiKeys } = await import('../src/server/api-keys.js');
    const secret = '3f9c0a1b2c3d4e5f60718293a4b5c6d7';
    for (const raw of [secret, `${secret}:reader`, `reader:${secret}`, `${secret}:owner:${secret}`, `ci:reader:${secret},${secret}`, `${secret}::`]) {
      let message = '';
      try {
        parseApiKeys(raw);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, raw).toMatch(/KB_API_KEYS entry \d/);
      // Not the key, nor any 8-character piece of it.
      for (let i = 0; i + 8 <= secret.length; i++) expect(message, raw).not.toContain(secret.slice(i, i + 8));
    }
    expect(() => parseApiKeys('ci:owner:0123456789abcdef0123')).toThrow(/entry 1: role must be reader or admin/);
  });

  it('kb serve with a bare key exits 1 without printing it', async () => {
    const { runCli } = await import('../src/cli/run-cli.js');
    const secret = 'bare-secret-key-0123456789abcdef';
    const out: string[] = [];
    const code = await runCli(['serve', '--kb-dir', fixture.kbDir, '--port', '0'], {
      stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) }, env: { KB_API_KEYS: secret }, cwd: fixture.dir,
    });
    expect(code).toBe(1);
    expect(out.join('')).toMatch(/KB_API_KEYS entry 1 is not id:role:key/);
    expect(out.join('')).not.toContain(secret.slice(0, 12));
  });
});

describe('API consistency', () => {
  it('takes question on /v1/retrieve and /v1/query, with query as an alias on both', async () => {
    const s = await serve(fixture);
    try {
      for (const path of ['/v1/retrieve', '/v1/query']) {
        for (const name of ['question', 'query']) {
          const r = await rawRequest(s.url, path, { method: 'POST', ...jsonBody({ [name]: 'notice period' }) });
          expect(r.status, `${path} ${name}`).toBe(200);
          expect(r.json.chunks ?? r.json.citations).not.toHaveLength(0);
        }
        const both = await rawRequest(s.url, path, { method: 'POST', ...jsonBody({ question: 'a', query: 'b' }) });
        expectProblem(both, 400);
        const none = await rawRequest(s.url, path, { method: 'POST', ...jsonBody({}) });
        expectProblem(none, 400);
        expect(none.json.errors[0].field).toBe('question');
      }
      const spec = (await rawRequest(s.url, '/openapi.json')).json;
      const retrieveBody = spec.paths['/v1/retrieve'].post.requestBody.content['application/json'].schema;
      expect(retrieveBody.required).toContain('question');
      expect(retrieveBody.properties.question.description).toMatch(/alias: query/);
    } finally {
      await s.close();
    }
  });

  it('POST /v1/index without configured roots re-indexes the folders the last run recorded', async () => {
    const kb = await docsKb();
    kb.config.roots = [];
    writeFileSync(join(kb.dataDir, 'added.md'), '# Added\n\nA brand new zebra crossing policy.');
    const s = await serve(kb);
    try {
      const started = await rawRequest(s.url, '/v1/index', { method: 'POST' });
      expect(started.status).toBe(202);
      let job = started.json;
      while (job.status === 'running' || job.jobId) {
        job = (await rawRequest(s.url, `/v1/jobs/${started.json.jobId}`)).json;
        if (job.status !== 'running') break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(job.status).toBe('succeeded');
      expect(job.summary.roots).toEqual([kb.dataDir]);
      const found = await rawRequest(s.url, '/v1/retrieve', { method: 'POST', ...jsonBody({ question: 'zebra crossing' }) });
      expect(found.json.chunks[0].path).toBe('docs/added.md');
    } finally {
      await s.close();
      await kb.close();
    }
  });
});

import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { generateCorpus } from '../bench/generate-corpus.js';
import { startPgliteServer, type PgliteServer } from '../scripts/pglite-server.js';
import { exitOf, waitForOutput } from './child-output.js';
import { DATA_DIR } from './temp-dir.js';

// The `kb` CLI as separate processes on the PostgreSQL store (real PostgreSQL with pgvector: PGlite served over
// the wire protocol, the real pg client over TCP), checked against the same commands on the embedded store.

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');

let server: PgliteServer;
let work: string;
beforeAll(async () => {
  server = await startPgliteServer();
  work = mkdtempSync(join(tmpdir(), 'kb-cli-pg-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});
// One database for the file: each test starts from an empty schema.
beforeEach(async () => {
  await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
});

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

type Store = { name: 'sqlite'; kbDir: string } | { name: 'postgres' };
const postgres: Store = { name: 'postgres' };
const envFor = (store: Store): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', ...(store.name === 'postgres' ? { KB_DATABASE_URL: server.url } : { KB_DIR: store.kbDir }) });

async function kb(store: Store, args: string[], cwd = work): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: envFor(store) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function json<T>(store: Store, args: string[], cwd = work): Promise<T> {
  const r = await kb(store, [...args, '--json'], cwd);
  expect(r.code, `kb ${args.join(' ')} on ${store.name}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Every live chunk as "path|ordinal|text", sorted: equal sets mean nothing lost and nothing duplicated. */
async function chunkSet(store: Store): Promise<string[]> {
  const query = "SELECT d.path || '|' || c.ordinal || '|' || c.text AS k FROM chunks c JOIN documents d ON d.id = c.document_id";
  if (store.name === 'postgres') return (await sql<{ k: string }>(query)).map((r) => r.k).sort();
  const db = new Database(join(store.kbDir, 'kb.sqlite'), { readonly: true });
  try {
    return (db.prepare(query).pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

interface SearchJson { results: Array<{ path: string; ordinal: number }> }
interface AskJson { found: boolean; answer: string; sources: Array<{ path: string; ordinal?: number }> }
interface QueryJson { found: boolean; answer: string; citations: Array<{ path: string }> }
interface IndexJson { files: { new: number; changed: number; deleted: number; unchanged: number }; chunks: { added: number; embedded: number; removed: number } }

describe('the kb CLI on the PostgreSQL store gives what it gives on the embedded store', () => {
  test('index, search, ask, status, verify, remove and dry runs', async () => {
    const data = join(work, 'same-data');
    cpSync(DATA_DIR, data, { recursive: true });
    const sqlite: Store = { name: 'sqlite', kbDir: join(work, 'same-kb') };

    for (const store of [sqlite, postgres]) {
      // Nothing there yet: a clear refusal, not an empty answer.
      const missing = await kb(store, ['search', 'notice period']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/No knowledge base at .*kb index/);
    }
    const [first, firstPg] = [await json<IndexJson>(sqlite, ['index', data]), await json<IndexJson>(postgres, ['index', data])];
    expect(firstPg.files).toEqual(first.files);
    expect(firstPg.chunks).toEqual(first.chunks);
    expect(first.chunks.added).toBeGreaterThan(100);
    expect(await chunkSet(postgres)).toEqual(await chunkSet(sqlite));

    // An unchanged folder: a dry run would embed nothing, on either store.
    for (const store of [sqlite, postgres]) expect((await json<IndexJson>(store, ['index', data, '--dry-run'])).chunks.embedded).toBe(0);

    for (const query of ['notice period during probation', 'expense reimbursement receipts', 'laptop replacement policy']) {
      const [a, b] = [await json<SearchJson>(sqlite, ['search', query]), await json<SearchJson>(postgres, ['search', query])];
      expect(b.results.map((r) => `${r.path}#${r.ordinal}`), query).toEqual(a.results.map((r) => `${r.path}#${r.ordinal}`));
      expect(a.results.length).toBeGreaterThan(0);
    }
    for (const question of ['What is the notice period during probation?', 'What is the speed of light in a vacuum?']) {
      const [a, b] = [await json<AskJson>(sqlite, ['ask', question]), await json<AskJson>(postgres, ['ask', question])];
      expect(b.found, question).toBe(a.found);
      expect(b.answer, question).toBe(a.answer);
      expect(b.sources.map((s) => s.path)).toEqual(a.sources.map((s) => s.path));
    }

    const [statusA, statusB] = [await json<Record<string, unknown>>(sqlite, ['status']), await json<Record<string, unknown>>(postgres, ['status'])];
    expect(statusB).toMatchObject({ store: 'postgres', documents: statusA.documents, chunks: statusA.chunks, embeddingModel: statusA.embeddingModel, embeddingDimensions: statusA.embeddingDimensions });
    expect(statusA.store).toBe('sqlite');
    expect(String(statusB.location)).toContain('127.0.0.1');

    for (const store of [sqlite, postgres]) {
      const verify = await kb(store, ['verify', '--json']);
      expect(verify.code, verify.stdout).toBe(0);
      expect(JSON.parse(verify.stdout).problems).toEqual([]);
    }

    // An edited file: the dry run counts the chunks to embed alike; remove drops one document alike.
    writeFileSync(join(data, 'hr', 'notice-periods-and-resignation.md'), '# Notice periods\n\nThe notice period is now 45 days for everyone, including contractors.\n');
    const [dryA, dryB] = [await json<IndexJson>(sqlite, ['index', data, '--dry-run']), await json<IndexJson>(postgres, ['index', data, '--dry-run'])];
    expect(dryA.chunks.embedded).toBeGreaterThan(0);
    expect(dryB.chunks.embedded).toBe(dryA.chunks.embedded);
    type Removed = { removed: Array<{ path: string }>; chunks: number };
    const [removedA, removedB] = [
      await json<Removed>(sqlite, ['remove', 'same-data/it/laptop-and-equipment-policy.md']),
      await json<Removed>(postgres, ['remove', 'same-data/it/laptop-and-equipment-policy.md']),
    ];
    expect(removedA.chunks).toBeGreaterThan(0);
    expect(removedB.chunks).toBe(removedA.chunks);
    expect(removedB.removed.map((d) => d.path)).toEqual(['same-data/it/laptop-and-equipment-policy.md']);
    expect(await chunkSet(postgres)).toEqual(await chunkSet(sqlite));
    const gone = await kb(postgres, ['remove', 'same-data/it/laptop-and-equipment-policy.md']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/is not in the knowledge base/);
  }, 240_000);
});

describe('a collection on PostgreSQL beside an embedded main knowledge base', () => {
  test('kb index, search and status --collection work on the collection\'s own database and folders', async () => {
    const cwd = mkdtempSync(join(work, 'mixed-'));
    cpSync(join(DATA_DIR, 'hr'), join(cwd, 'people', 'hr'), { recursive: true });
    cpSync(join(DATA_DIR, 'it'), join(cwd, 'docs', 'it'), { recursive: true });
    writeFileSync(join(cwd, 'kb.config.json'), JSON.stringify({ roots: ['docs'], collections: { hr: { kbDir: 'hr-kb', roots: ['people'], storeUrl: server.url } } }));
    const local: Store = { name: 'sqlite', kbDir: join(cwd, '.kb') };
    const inCwd = async (args: string[]) => {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--json'], { cwd, env: { PATH: process.env.PATH ?? '' } }).catch((e: { stdout: string; stderr: string }) => e);
      return { out: stdout, err: stderr };
    };
    expect(JSON.parse((await inCwd(['index'])).out).files.new).toBe(3);
    expect(JSON.parse((await inCwd(['index', '--collection', 'hr'])).out).files.new).toBe(7);
    const hr = JSON.parse((await inCwd(['search', 'parental leave', '--collection', 'hr'])).out) as SearchJson;
    expect(hr.results[0]!.path).toMatch(/^people\/hr\//);
    const main = JSON.parse((await inCwd(['search', 'parental leave'])).out) as SearchJson;
    for (const r of main.results) expect(r.path).toMatch(/^docs\/it\//);
    expect(JSON.parse((await inCwd(['status', '--collection', 'hr'])).out)).toMatchObject({ store: 'postgres', documents: 7 });
    expect(JSON.parse((await inCwd(['status'])).out)).toMatchObject({ store: 'sqlite', documents: 3 });
    expect((await chunkSet(postgres)).every((k) => k.startsWith('people/hr/'))).toBe(true);
    expect((await chunkSet(local)).every((k) => k.startsWith('docs/it/'))).toBe(true);
    expect((await inCwd(['search', 'leave', '--collection', 'nope'])).out).toMatch(/--collection nope: no such collection in the configuration; it has hr/);
  }, 120_000);
});

/** Starts `kb index` and SIGKILLs it once it reports `killAt` files processed: the kill lands at an observed point. */
function indexAndKill(corpus: string, killAt: number): Promise<{ killed: boolean; atFile: number }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'index', corpus, '--progress-every', '1'], { cwd: work, env: envFor(postgres), stdio: ['ignore', 'ignore', 'pipe'] });
    let atFile = 0;
    let buffered = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const m = /^indexed (\d+)\/\d+ files$/.exec(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (m && atFile < killAt) {
          atFile = Number(m[1]);
          if (atFile >= killAt) child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (_code, signal) => done({ killed: signal === 'SIGKILL', atFile }));
  });
}

describe('crash safety on PostgreSQL', () => {
  test('kb index killed with SIGKILL at several points, then a full run and verify, gives exactly the chunks of an uninterrupted run', async () => {
    const corpus = join(work, 'crash-corpus');
    generateCorpus(corpus, { files: 120, bytesPerFile: 2500, seed: 11 });
    expect((await kb(postgres, ['index', corpus])).code).toBe(0);
    const reference = await chunkSet(postgres);
    expect(reference.length).toBeGreaterThan(200);

    const landed: number[] = [];
    for (const killAt of [1, 30, 75, 120]) {
      await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      const { killed, atFile } = await indexAndKill(corpus, killAt);
      expect(killed, `the kill after file ${killAt} landed before the run ended`).toBe(true);
      landed.push(atFile);
      // The killed writer's lock does not block the next run (its session or its pid is gone).
      const again = await kb(postgres, ['index', corpus, '--json']);
      expect(again.code, again.stderr).toBe(0);
      const verify = await kb(postgres, ['verify', '--json']);
      expect(verify.code, verify.stdout).toBe(0);
      expect(await chunkSet(postgres)).toEqual(reference);
    }
    expect(landed).toEqual([1, 30, 75, 120]);
  }, 300_000);
});

describe('several processes on one database', () => {
  test('one writer at a time: a second kb index is refused with the holder named, and --wait queues behind it', async () => {
    const corpus = join(work, 'lock-corpus');
    generateCorpus(corpus, { files: 150, bytesPerFile: 2500, seed: 5 });
    const first = spawn(process.execPath, [BIN, 'index', corpus, '--progress-every', '1'], { cwd: work, env: envFor(postgres), stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForOutput(first.stderr, /^indexed 1\/\d+ files$/m);
    const refused = await kb(postgres, ['index', corpus]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Another kb process \(pid \d+\) is writing to this knowledge base \(advisory lock of .*held by pid \d+ on .*\)\. .*--wait/);
    const waited = spawn(process.execPath, [BIN, 'index', corpus, '--wait', '--json'], { cwd: work, env: envFor(postgres), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    waited.stdout.on('data', (c: Buffer) => (out += c.toString()));
    expect(await exitOf(first)).toBe(0);
    expect(await exitOf(waited)).toBe(0);
    // It ran after the first one, so it found everything indexed already.
    expect((JSON.parse(out) as IndexJson).files).toMatchObject({ new: 0, changed: 0, unchanged: 150 });
  }, 240_000);

  test('two kb serve replicas answer alike while a third process indexes, and see its documents without a restart', async () => {
    const data = join(work, 'serve-data');
    cpSync(DATA_DIR, data, { recursive: true });
    expect((await kb(postgres, ['index', data])).code).toBe(0);
    const replicas = [0, 1].map(() => spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: work, env: envFor(postgres), stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      const urls = await Promise.all(replicas.map(async (r) => (JSON.parse((await waitForOutput(r.stdout!, /^\{.*\}$/m))[0]) as { url: string }).url));
      const ask = async (url: string, question: string) => {
        const res = await fetch(`${url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });
        expect(res.status).toBe(200);
        return (await res.json()) as QueryJson;
      };
      const question = 'What is the notice period during probation?';
      const before = await Promise.all(urls.map((u) => ask(u, question)));
      expect(before[0]!.found).toBe(true);
      expect(before[0]!.citations.length).toBeGreaterThan(0);
      expect(before[1]!.citations).toEqual(before[0]!.citations);

      // A third process indexes new documents while both replicas keep answering.
      const extra = join(data, 'zz-extra');
      generateCorpus(extra, { files: 60, bytesPerFile: 2500, seed: 8 });
      writeFileSync(join(extra, 'heliotrope.md'), '# Heliotrope project\n\nThe heliotrope project budget is 42,000 euros, approved by the finance committee.\n');
      const indexer = spawn(process.execPath, [BIN, 'index', data], { cwd: work, env: envFor(postgres), stdio: 'ignore' });
      // Each commit changes the corpus (and so BM25's idf), so two answers can differ when a commit lands between
      // them: a pair that differs is asked again at once, and every round must reach a pair that agrees (the same
      // committed state gives the same sources on both replicas; a replica with stale or partial state would not).
      const paths = (q: QueryJson) => q.citations.map((c) => c.path).join('|');
      let indexing = true;
      let rounds = 0;
      const exited = exitOf(indexer).then((code) => ((indexing = false), code));
      while (indexing) {
        rounds++;
        let agreed = false;
        for (let attempt = 0; attempt < 5 && !agreed; attempt++) {
          const [a, b] = await Promise.all(urls.map((u) => ask(u, question)));
          expect(a!.found && b!.found).toBe(true);
          agreed = paths(a!) === paths(b!);
        }
        expect(agreed, `round ${rounds}: the replicas kept answering differently`).toBe(true);
      }
      expect(await exited).toBe(0);
      expect(rounds).toBeGreaterThan(0);

      // Both replicas see the new generation without a restart.
      const after = await Promise.all(urls.map((u) => ask(u, 'What is the heliotrope project budget?')));
      for (const a of after) {
        expect(a.found).toBe(true);
        expect(a.answer).toContain('42,000');
        expect(a.citations[0]!.path).toBe('serve-data/zz-extra/heliotrope.md');
      }
    } finally {
      for (const r of replicas) r.kill('SIGTERM');
      await Promise.all(replicas.map((r) => (r.exitCode === null ? exitOf(r) : undefined)));
    }
  }, 240_000);
});

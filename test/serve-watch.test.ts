import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, waitForOutput } from './child-output.js';
import { indexWithCli } from './server-fixture.js';
import { DATA_DIR } from './temp-dir.js';

// `kb serve --watch`: a real server process keeps its index in sync with its folders while it serves, and
// reports the last sync in /readyz (which the web page shows).
const BIN = join(resolve(import.meta.dirname, '..'), 'dist', 'src', 'cli', 'bin.js');
let dir: string;
let docs: string;
let server: ChildProcess;
let exited: Promise<number | null>;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kb-serve-watch-'));
  docs = join(dir, 'docs');
  cpSync(DATA_DIR, docs, { recursive: true });
  writeFileSync(join(dir, 'kb.config.json'), JSON.stringify({ roots: ['docs'] }));
  await indexWithCli(docs, join(dir, '.kb'), dir);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KB_|AWS_)/.test(k)) env[k] = v;
  server = spawn(process.execPath, [BIN, 'serve', '--watch', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = exitOf(server);
  server.stderr!.resume();
  [, url] = (await waitForOutput(server.stdout!, /on (http:\/\/\S+) /)) as [string, string];
  server.stdout!.resume();
}, 120_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  expect(await exited).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

type Sync = { state: string; runs: number; lastSyncAt?: string; lastRun?: { ok: boolean; changes: number } };
const sync = async (): Promise<Sync | undefined> => ((await (await fetch(`${url}/readyz`)).json()) as { sync?: { default?: Sync } }).sync?.default;
const paths = async (question: string): Promise<string[]> => {
  const res = await fetch(`${url}/v1/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, topK: 3 }) });
  return ((await res.json()) as { chunks: Array<{ path: string }> }).chunks.map((c) => c.path);
};

describe('kb serve --watch', () => {
  it('reports the catch-up sync in /readyz, then answers from files created, renamed and deleted while it serves', async () => {
    await expect.poll(async () => (await sync())?.lastSyncAt, { timeout: 30_000 }).toBeTruthy();
    expect((await sync())!.lastRun).toMatchObject({ ok: true, changes: 0 });

    const before = (await sync())!.runs;
    writeFileSync(join(docs, 'heliotrope.md'), '# Heliotrope\n\nThe heliotrope project ships its zephyr release on the ninth of March.\n');
    await expect.poll(async () => (await paths('heliotrope zephyr release'))[0], { timeout: 30_000 }).toBe('docs/heliotrope.md');
    // The document is searchable once its group commits; the run is counted when it finishes, a moment later.
    await expect.poll(async () => (await sync())!.runs, { timeout: 30_000 }).toBeGreaterThan(before);

    renameSync(join(docs, 'heliotrope.md'), join(docs, 'it', 'heliotrope-renamed.md'));
    await expect.poll(async () => (await paths('heliotrope zephyr release'))[0], { timeout: 30_000 }).toBe('docs/it/heliotrope-renamed.md');
    rmSync(join(docs, 'it', 'heliotrope-renamed.md'));
    await expect.poll(async () => (await paths('heliotrope zephyr release')).some((p) => p.includes('heliotrope')), { timeout: 30_000 }).toBe(false);
    await expect.poll(async () => (await sync())!.state, { timeout: 30_000 }).toBe('idle');
    expect((await sync())!.lastRun!.ok).toBe(true);
  }, 120_000);
});

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateCorpus } from '../bench/generate-corpus.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');
const KILL_POINTS = 22;

/** Every live chunk as "path|ordinal|text", sorted: equal sets mean nothing lost and nothing duplicated. */
function chunkSet(kbDir: string): string[] {
  const db = new Database(join(kbDir, 'kb.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT d.path || \'|\' || c.ordinal || \'|\' || c.text AS k FROM chunks c JOIN documents d ON d.id = c.document_id').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

async function kb(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, KB_DEBUG: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `kb index` and SIGKILLs it after `delayMs`; resolves whether the kill landed before the run ended. */
function indexAndKill(corpus: string, kbDir: string, cwd: string, delayMs: number): Promise<boolean> {
  return new Promise((resolveKilled) => {
    const child = spawn(process.execPath, [BIN, 'index', corpus, '--kb-dir', kbDir, '--no-progress'], { cwd, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolveKilled(signal === 'SIGKILL');
    });
  });
}

describe('crash safety: kb index killed with SIGKILL at many points', () => {
  let corpus: string;
  let work: string;
  let reference: string[];
  let fullRunMs: number;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kb-crash-')); // shared by the tests of this suite
    corpus = join(work, 'corpus');
    generateCorpus(corpus, { files: 300, bytesPerFile: 2500, seed: 11 });
    const refKb = join(work, 'ref-kb');
    const t0 = Date.now();
    const first = await kb(['index', corpus, '--kb-dir', refKb, '--json'], work);
    fullRunMs = Date.now() - t0;
    expect(first.code).toBe(0);
    reference = chunkSet(refKb);
    expect(reference.length).toBeGreaterThan(500);
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test(`survives ${KILL_POINTS} kill points spread over a first index run, and verify is clean after each`, async () => {
    const results: Array<{ delayMs: number; killed: boolean }> = [];
    for (let i = 0; i < KILL_POINTS; i++) {
      const kbDir = join(work, `kb-${i}`);
      // From process start-up through to the final vector index write.
      // From process start-up through to the final vector index write. Runs vary with machine load, so a kill
      // that came after the run ended is retried earlier (up to 3 times) at the same kill point on a fresh kb.
      let delayMs = Math.round(150 + (fullRunMs * 0.95 - 150) * (i / (KILL_POINTS - 1)));
      let killed = false;
      for (let attempt = 0; attempt < 4 && !killed; attempt++) {
        rmSync(kbDir, { recursive: true, force: true });
        killed = await indexAndKill(corpus, kbDir, work, delayMs);
        if (!killed) delayMs = Math.round(delayMs * 0.7);
      }
      results.push({ delayMs, killed });
      const again = await kb(['index', corpus, '--kb-dir', kbDir, '--json'], work);
      expect(again.code, again.stderr).toBe(0);
      const verify = await kb(['verify', '--kb-dir', kbDir, '--json'], work);
      expect(verify.code, verify.stdout).toBe(0);
      expect(JSON.parse(verify.stdout).problems).toEqual([]);
      expect(chunkSet(kbDir)).toEqual(reference);
    }
    const landed = results.filter((r) => r.killed).length;
    console.log(`kill points: ${landed} of ${results.length} landed mid-run (full run ${fullRunMs} ms); all recovered`);
    expect(landed).toBeGreaterThanOrEqual(20);
  }, 600_000);

  test('a kill during a re-index of edited files also recovers exactly', async () => {
    const kbDir = join(work, 'kb-edit');
    expect((await kb(['index', corpus, '--kb-dir', kbDir], work)).code).toBe(0);
    const edited = join(corpus, 'billing', '0', 'note-0.md');
    writeFileSync(edited, '# billing note 0\n\nThe replacement text about invoices and ledgers.\n');
    const expected = await (async () => {
      const refKb = join(work, 'ref-edit');
      await kb(['index', corpus, '--kb-dir', refKb], work);
      return chunkSet(refKb);
    })();
    await indexAndKill(corpus, kbDir, work, 250);
    expect((await kb(['index', corpus, '--kb-dir', kbDir], work)).code).toBe(0);
    expect((await kb(['verify', '--kb-dir', kbDir], work)).code).toBe(0);
    expect(chunkSet(kbDir)).toEqual(expected);
  }, 120_000);

  test('a torn vector index file (crash while writing it) is noticed and rebuilt on the next open', async () => {
    const kbDir = join(work, 'kb-torn');
    expect((await kb(['index', corpus, '--kb-dir', kbDir], work)).code).toBe(0);
    const before = await kb(['search', 'invoice ledger payment', '--kb-dir', kbDir, '--json'], work);
    // What a non-atomic writer would leave: half a file under the real name, with a matching sidecar.
    const file = join(kbDir, 'vectors.hnsw');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await kb(['verify', '--kb-dir', kbDir, '--json'], work)).code).toBe(2);
    const after = await kb(['search', 'invoice ledger payment', '--kb-dir', kbDir, '--json'], work);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).results.map((r: { id: number }) => r.id)).toEqual(JSON.parse(before.stdout).results.map((r: { id: number }) => r.id));
    expect((await kb(['verify', '--kb-dir', kbDir, '--repair'], work)).code).toBe(0);
    expect((await kb(['verify', '--kb-dir', kbDir], work)).code).toBe(0);
    expect(existsSync(file)).toBe(true);
  }, 120_000);
});

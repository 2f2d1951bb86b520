import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateCorpus } from '../bench/generate-corpus.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');
const KILL_POINTS = 8;

/** Every live chunk as "path|ordinal|text", sorted: equal sets mean nothing lost and nothing duplicated. */
function chunkSet(kbDir: string): string[] {
  const db = new Database(join(kbDir, 'kb.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT d.path || \'|\' || c.ordinal || \'|\' || c.text AS k FROM chunks c JOIN documents d ON d.id = c.document_id').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

function listMarkdown(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath: string; isFile(): boolean }>)
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
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

/**
 * Starts `kb index` and SIGKILLs it once it reports `killAt` files processed (a progress line per file): the kill
 * lands at an observed point of the run, whatever the machine's speed. After the last file's line, the run is
 * committing its last group and writing the vector index. Resolves the file count seen and whether the kill
 * landed before the process ended on its own.
 */
function indexAndKill(corpus: string, kbDir: string, cwd: string, killAt: number): Promise<{ killed: boolean; atFile: number }> {
  return new Promise((resolveKilled) => {
    const child = spawn(process.execPath, [BIN, 'index', corpus, '--kb-dir', kbDir, '--progress-every', '1'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let atFile = 0;
    let buffered = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^indexed (\d+)\/\d+ files$/.exec(line);
        if (m && atFile < killAt) {
          atFile = Number(m[1]);
          if (atFile >= killAt) child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (_code, signal) => resolveKilled({ killed: signal === 'SIGKILL', atFile }));
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
    const files = 300;
    // From the first file to after the last one (committing the last group and saving the vector index).
    const points = [1, 15, 45, 90, 150, 210, 270, files];
    expect(points).toHaveLength(KILL_POINTS);
    const landed: number[] = [];
    for (const [i, killAt] of points.entries()) {
      const kbDir = join(work, `kb-${i}`);
      const { killed, atFile } = await indexAndKill(corpus, kbDir, work, killAt);
      expect(killed, `the kill after file ${killAt} landed before the run ended`).toBe(true);
      expect(atFile).toBe(killAt);
      landed.push(atFile);
      const again = await kb(['index', corpus, '--kb-dir', kbDir, '--json'], work);
      expect(again.code, again.stderr).toBe(0);
      const verify = await kb(['verify', '--kb-dir', kbDir, '--json'], work);
      expect(verify.code, verify.stdout).toBe(0);
      expect(JSON.parse(verify.stdout).problems).toEqual([]);
      expect(chunkSet(kbDir)).toEqual(reference);
    }
    console.log(`kill points after files ${landed.join(', ')} of ${files} (full run ${fullRunMs} ms): all recovered`);
  }, 600_000);

  test('a kill during a re-index of edited files also recovers exactly', async () => {
    const kbDir = join(work, 'kb-edit');
    expect((await kb(['index', corpus, '--kb-dir', kbDir], work)).code).toBe(0);
    const edited = listMarkdown(corpus).slice(0, 40);
    expect(edited).toHaveLength(40);
    edited.forEach((file, i) => writeFileSync(file, `# edited note ${i}\n\nThe replacement text about invoices and ledgers, edit ${i}.\n`));
    const expected = await (async () => {
      const refKb = join(work, 'ref-edit');
      await kb(['index', corpus, '--kb-dir', refKb], work);
      return chunkSet(refKb);
    })();
    // Killed halfway through the 40 edited files: some replaced, some not, maybe one group half-written.
    expect(await indexAndKill(corpus, kbDir, work, 20)).toEqual({ killed: true, atFile: 20 });
    expect((await kb(['index', corpus, '--kb-dir', kbDir], work)).code).toBe(0);
    expect((await kb(['verify', '--kb-dir', kbDir], work)).code).toBe(0);
    expect(chunkSet(kbDir)).toEqual(expected);
  }, 120_000);

  test('a torn vector index file (crash while writing it) is noticed and rebuilt on the next open', async () => {
    const kbDir = join(work, 'kb-torn');
    expect((await kb(['index', corpus, '--kb-dir', kbDir], work)).code).toBe(0);
    const before = await kb(['search', 'invoice ledger payment', '--kb-dir', kbDir, '--json'], work);
    // What a non-atomic writer would leave: half a file under the real name, with a matching sidecar.
    const file = join(kbDir, 'vectors.cols'); // the offline embedder's sparse vectors: the base is column postings
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

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { generateCorpus } from '../bench/generate-corpus.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');

async function kb(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('concurrent use of one knowledge base', () => {
  test('one writer at a time: a second kb index names the holder, --wait queues; queries see only whole documents', async () => {
    const work = tempDir('kb-concurrent-');
    const corpus = join(work, 'corpus');
    generateCorpus(corpus, { files: 400, bytesPerFile: 3000, seed: 5 });
    const kbDir = join(work, '.kb');

    // The first writer is paused (SIGSTOP) once it reports its 50th file: it holds the lock mid-run for as long as
    // the test needs, whatever the machine's speed, and resumes (SIGCONT) once the second writers have tried.
    const first = spawn(process.execPath, [BIN, 'index', corpus, '--progress-every', '50'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    const firstDone = new Promise<number | null>((r) => first.on('exit', (code) => r(code)));
    await new Promise<void>((paused) => {
      let progress = '';
      const onData = (text: string) => {
        progress += text;
        if (progress.includes('indexed 50/400 files\n')) {
          first.stderr.off('data', onData);
          first.stderr.resume(); // keep draining, so the resumed writer never blocks on a full pipe
          if (first.kill('SIGSTOP')) paused();
        }
      };
      first.stderr.setEncoding('utf8').on('data', onData);
    });
    expect(existsSync(join(kbDir, 'index.lock'))).toBe(true);

    const second = await kb(['index', corpus], work);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`pid ${first.pid}`);

    const waiting = kb(['index', corpus, '--wait', '--json'], work);

    // Readers during the run: every search succeeds, and every document a reader sees is whole (ordinals 0..n-1).
    let searches = 0;
    let snapshots = 0;
    const search = async () => {
      const s = await kb(['search', 'invoice ledger', '--json'], work);
      expect(s.code, s.stderr).toBe(0);
      searches++;
    };
    const checkSnapshot = () => {
      const db = new Database(join(kbDir, 'kb.sqlite'), { readonly: true, timeout: 5000 });
      const broken = db
        .prepare('SELECT document_id FROM chunks GROUP BY document_id HAVING count(*) != max(ordinal) + 1 OR min(ordinal) != 0')
        .all();
      db.close();
      expect(broken).toEqual([]);
      snapshots++;
    };
    await search(); // mid-run, for certain: the writer is paused after 50 files
    checkSnapshot();
    first.kill('SIGCONT');
    const searching = (async () => {
      while (first.exitCode === null) await search();
    })();
    while (first.exitCode === null) {
      checkSnapshot();
      await sleep(15); // pacing only: what is asserted does not depend on how many checks run
    }
    await searching;
    expect(await firstDone).toBe(0);
    const queued = await waiting;
    expect(queued.code, queued.stderr).toBe(0);
    expect(JSON.parse(queued.stdout).files.unchanged).toBe(400);
    expect(searches).toBeGreaterThan(0);
    console.log(`during one index run: ${searches} searches and ${snapshots} snapshot checks, all consistent`);
    expect((await kb(['verify'], work)).code).toBe(0);
  }, 180_000);
});

import { cpSync, renameSync, rmSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../src/store/sqlite-store.js';
import { createFolderSync, type FolderSync, type SyncRun } from '../src/watch/create-folder-sync.js';
import { indexWithCli } from './server-fixture.js';
import { DATA_DIR, tempDir } from './temp-dir.js';

/** Documents by path with their content hash and chunk texts: what "the same index" means here. */
function snapshot(kbDir: string): Record<string, { hash: string; chunks: string[] }> {
  const store = openStore(kbDir, { readonly: true });
  try {
    return Object.fromEntries(store.allDocuments().map((d) => [d.path, { hash: d.contentHash, chunks: store.chunksOf(d.id).map((c) => c.text) }]));
  } finally {
    store.close();
  }
}

const syncs: FolderSync[] = [];
afterEach(async () => {
  while (syncs.length) await syncs.pop()!.close();
});

function setup() {
  const dir = tempDir('kb-watch-');
  const docs = join(dir, 'docs');
  cpSync(join(DATA_DIR, 'hr'), docs, { recursive: true });
  const kbDir = join(dir, '.kb');
  let runs = 0;
  const waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  const start = async () => {
    const sync = createFolderSync({
      roots: [docs],
      runIndex: async () => {
        runs++;
        await indexWithCli(docs, kbDir, dir);
      },
      debounceMs: 200,
      onRun: () => {
        for (const w of [...waiters]) if (w.check()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
      },
    });
    syncs.push(sync);
    await sync.start();
    return sync;
  };
  /** Resolves after the index run at which `check` holds (checked after each run, never by polling a clock). */
  const untilRun = (check: () => boolean) => new Promise<void>((resolve) => waiters.push({ check, resolve }));
  const fresh = async () => {
    const freshKb = join(tempDir('kb-fresh-'), '.kb');
    await indexWithCli(docs, freshKb, dir);
    return snapshot(freshKb);
  };
  return { dir, docs, kbDir, start, untilRun, fresh, runs: () => runs };
}

it('create, edit, rename, delete and a burst of 1,000 files reach the index in few runs; it then equals a fresh kb index', async () => {
  const t = setup();
  const sync = await t.start();
  expect(Object.keys(snapshot(t.kbDir))).toHaveLength(7);
  const paths = () => Object.keys(snapshot(t.kbDir));

  writeFileSync(join(t.docs, 'zebrafish.md'), '# Zebrafish care\n\nThe office aquarium zebrafish are fed twice a day by the facilities team.\n');
  await t.untilRun(() => paths().some((p) => p.endsWith('zebrafish.md')));

  const before = snapshot(t.kbDir);
  const notice = Object.keys(before).find((p) => p.includes('notice-periods'))!;
  appendFileSync(join(t.docs, 'notice-periods-and-resignation.md'), '\n\nGarden leave may be granted for the whole notice period.\n');
  await t.untilRun(() => snapshot(t.kbDir)[notice]?.hash !== before[notice]!.hash);

  renameSync(join(t.docs, 'zebrafish.md'), join(t.docs, 'aquarium.md'));
  await t.untilRun(() => paths().some((p) => p.endsWith('aquarium.md')) && !paths().some((p) => p.endsWith('zebrafish.md')));

  rmSync(join(t.docs, 'paid-time-off.md'));
  await t.untilRun(() => !paths().some((p) => p.endsWith('paid-time-off.md')));

  const runsBefore = t.runs();
  mkdirSync(join(t.docs, 'burst'));
  for (let i = 0; i < 1000; i++) writeFileSync(join(t.docs, 'burst', `note-${i}.md`), `# Note ${i}\n\nBurst note number ${i} about topic ${i % 17}.\n`);
  await t.untilRun(() => paths().filter((p) => p.includes('/burst/')).length === 1000);
  const burstRuns = t.runs() - runsBefore;
  expect(burstRuns).toBeGreaterThanOrEqual(1);
  expect(burstRuns).toBeLessThanOrEqual(5);

  expect(snapshot(t.kbDir)).toEqual(await t.fresh());
  const status = sync.status();
  expect(status.errors).toEqual([]);
  expect(status.lastRun?.ok).toBe(true);
  expect(Date.parse(status.lastSyncAt!)).toBeGreaterThan(0);
  console.log(`burst of 1,000 files: ${burstRuns} index run(s); ${status.runs} runs in all`);
}, 180_000);

it('changes made while nothing watched are found on start', async () => {
  const t = setup();
  const first = await t.start();
  await first.close();
  syncs.pop();
  rmSync(join(t.docs, 'remote-work-policy.md'));
  writeFileSync(join(t.docs, 'while-down.md'), '# Written while down\n\nThe watcher was not running when this was written.\n');
  await t.start();
  const paths = Object.keys(snapshot(t.kbDir));
  expect(paths.some((p) => p.endsWith('while-down.md'))).toBe(true);
  expect(paths.some((p) => p.endsWith('remote-work-policy.md'))).toBe(false);
  expect(snapshot(t.kbDir)).toEqual(await t.fresh());
}, 60_000);

it('a failing run is reported in the status, and the next change runs again', async () => {
  const dir = tempDir('kb-watch-');
  let fail = true;
  const runs: SyncRun[] = [];
  let notify: (() => void) | undefined;
  const sync = createFolderSync({
    roots: [dir],
    runIndex: async () => {
      if (fail) throw new Error('disk full');
    },
    debounceMs: 50,
    onRun: (run) => {
      runs.push(run);
      notify?.();
    },
  });
  syncs.push(sync);
  await sync.start();
  expect(sync.status().errors).toEqual([expect.objectContaining({ message: 'disk full' })]);
  expect(sync.status().lastSyncAt).toBeUndefined();
  fail = false;
  const next = new Promise<void>((resolve) => { notify = resolve; });
  writeFileSync(join(dir, 'a.md'), '# A\n');
  await next;
  expect(runs.at(-1)).toMatchObject({ ok: true, changes: 1 });
  expect(sync.status().lastSyncAt).toBe(runs.at(-1)!.finishedAt);
  expect(sync.status().state).toBe('idle');
});

it('kb watch runs kb index for a change and stops on interrupt', async () => {
  const { runCli } = await import('../src/cli/run-cli.js');
  const dir = tempDir('kb-watch-cli-');
  const docs = join(dir, 'docs');
  cpSync(join(DATA_DIR, 'hr'), docs, { recursive: true });
  const controller = new AbortController();
  const lines: Array<Record<string, unknown>> = [];
  let onLine: (() => void) | undefined;
  const ctx = {
    stdout: { write: (s: string) => { for (const l of s.split('\n').filter(Boolean)) lines.push(JSON.parse(l)); onLine?.(); return true; } },
    stderr: { write: () => true }, env: {}, cwd: dir, signal: controller.signal,
  };
  const untilLines = (n: number) => new Promise<void>((resolve) => { onLine = () => lines.length >= n && resolve(); onLine(); });
  const done = runCli(['watch', 'docs', '--kb-dir', join(dir, '.kb'), '--json'], ctx);
  await untilLines(1);
  writeFileSync(join(docs, 'watched.md'), '# Watched\n\nA file written while kb watch runs.\n');
  await untilLines(2);
  controller.abort();
  expect(await done).toBe(0);
  expect(lines[0]).toMatchObject({ event: 'sync', ok: true, changes: 0 });
  expect(lines[1]).toMatchObject({ event: 'sync', ok: true, changes: 1 });
  expect(Object.keys(snapshot(join(dir, '.kb'))).some((p) => p.endsWith('watched.md'))).toBe(true);
}, 60_000);

import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { DATA_DIR } from './temp-dir.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}
type Runner = (args: string[], options: { cwd: string; env?: Record<string, string> }) => Promise<Ran>;

/** The parent's environment without KB_* and AWS_* settings, so the child sees only what a test gives it. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KB_|AWS_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** `node dist/src/cli/bin.js ...` as a real process. */
const runProcess: Runner = (args, { cwd, env }) =>
  new Promise((resolvePromise) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: childEnv(env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number | string; signal?: string | null }) | null;
      resolvePromise({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });

/** The same through `runCli` in this process, with captured streams. */
const runInProcess: Runner = async (args, { cwd, env = {} }) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: { ...env },
    cwd,
  });
  return { code, signal: null, stdout, stderr };
};

/** No AWS SDK Node-version warning, no stack trace: what users see on stderr is our own messages. */
function expectCleanStderr(ran: Ran): void {
  expect(ran.stderr).not.toMatch(/NodeVersion|AWS SDK for JavaScript|node version support/i);
  expect(ran.stderr, ran.stderr).not.toMatch(/^\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)$/m);
}

function json<T>(ran: Ran): T {
  try {
    return JSON.parse(ran.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${ran.code}):\n${ran.stdout}\nstderr:\n${ran.stderr}`);
  }
}

interface Summary {
  dryRun: boolean;
  files: { seen: number; new: number; changed: number; unchanged: number; deleted: number; failed: number };
  failures: unknown[];
  plan?: { new: string[]; changed: string[]; deleted: string[] };
}
interface Status {
  documents: number;
  chunks: number;
  embeddingModel: string | null;
  embeddingDimensions: number | null;
  lastRun: { status: string } | null;
}
interface AskJson {
  answer: string;
  found: boolean;
  citations: Array<{ n: number; path: string; snippet: string }>;
}
interface SearchJson {
  query: string;
  results: Array<{ id: number; path: string; score: number; text: string }>;
}

const RUNNERS: Array<[string, Runner]> = [
  ['as a real process (node dist/src/cli/bin.js)', runProcess],
  ['in-process through runCli', runInProcess],
];

describe.each(RUNNERS)('kb %s', (kind, run) => {
  const isProcess = run === runProcess;
  // cwd holds the copy of the sample data as ./data and the default knowledge base ./.kb.
  let cwd: string;
  let copy: string;
  let firstIndex: Ran;

  beforeAll(async () => {
    if (isProcess && !existsSync(BIN)) {
      // test/global-setup.ts builds dist/ before any test file; build here only when it did not (e.g. KB_TEST_SKIP_BUILD=1
      // without a dist). Rebuilding unconditionally would rewrite dist/ under other test files running it in parallel.
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, timeout: 120_000, stdio: 'pipe' });
    }
    cwd = mkdtempSync(join(tmpdir(), 'kb-cli-'));
    copy = join(cwd, 'data');
    cpSync(DATA_DIR, copy, { recursive: true });
    firstIndex = await run(['index', 'data', '--json'], { cwd });
  }, 130_000);

  afterAll(() => {
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('index: exit 0 and 21 new files', () => {
    expect(firstIndex.code, firstIndex.stderr).toBe(0);
    expectCleanStderr(firstIndex);
    const summary = json<Summary>(firstIndex);
    expect(summary.files.new).toBe(21);
    expect(summary.failures).toEqual([]);
    expect(existsSync(join(cwd, '.kb', 'kb.sqlite'))).toBe(true);
  });

  it('index again: all 21 unchanged', async () => {
    const again = await run(['index', 'data', '--json'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expectCleanStderr(again);
    expect(json<Summary>(again).files).toMatchObject({ seen: 21, new: 0, changed: 0, deleted: 0, unchanged: 21 });
    const text = await run(['index', 'data'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/0 new, 0 changed, 0 deleted, 21 unchanged/);
    expectCleanStderr(text);
  });

  it('ask: a cited answer and a Sources section naming existing files', async () => {
    const ran = await run(['ask', 'How long is the notice period?'], { cwd });
    expect(ran.code, ran.stderr).toBe(0);
    expectCleanStderr(ran);
    expect(ran.stdout).toMatch(/\[1\]/);
    expect(ran.stdout).toMatch(/30 days/);
    const [, sources] = ran.stdout.split(/^Sources:$/m);
    expect(sources, ran.stdout).toBeDefined();
    const paths = [...sources!.matchAll(/^\[(\d+)\] (\S+?)(?:,| ›|$)/gm)].map((m) => m[2]!);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(existsSync(join(cwd, p)), `${p} under ${cwd}`).toBe(true);
    expect(paths).toContain('data/hr/notice-periods-and-resignation.md');
  });

  it('ask --json: citations point to files that exist next to the kb', async () => {
    const ran = await run(['ask', '--json', 'How long is the notice period?'], { cwd });
    expect(ran.code, ran.stderr).toBe(0);
    expectCleanStderr(ran);
    const answer = json<AskJson>(ran);
    expect(answer.found).toBe(true);
    expect(answer.citations.length).toBeGreaterThan(0);
    for (const c of answer.citations) {
      expect(existsSync(join(cwd, c.path)), c.path).toBe(true);
      expect(answer.answer).toContain(`[${c.n}]`);
    }
  });

  it('search --top-k 3 --json: three results with path and score', async () => {
    const ran = await run(['search', 'notice period', '--top-k', '3', '--json'], { cwd });
    expect(ran.code, ran.stderr).toBe(0);
    expectCleanStderr(ran);
    const { results } = json<SearchJson>(ran);
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(typeof r.path).toBe('string');
      expect(existsSync(join(cwd, r.path)), r.path).toBe(true);
      expect(typeof r.score).toBe('number');
      expect(r.score).toBeGreaterThan(0);
    }
    expect(results[0]!.path).toBe('data/hr/notice-periods-and-resignation.md');
  });

  it('status --json: 21 documents, chunks, the local model', async () => {
    const ran = await run(['status', '--json'], { cwd });
    expect(ran.code, ran.stderr).toBe(0);
    expectCleanStderr(ran);
    const status = json<Status>(ran);
    expect(status.documents).toBe(21);
    expect(status.chunks).toBeGreaterThan(0);
    expect(status.embeddingModel).toBe('local-hash-v1');
    expect(status.embeddingDimensions).toBe(1024);
    expect(status.lastRun?.status).toBe('ok');
  });

  it('bad commands and options exit 1 with a message and no stack trace', async () => {
    for (const args of [['frobnicate'], ['search', '--bogus', 'x'], ['ask', '--top-k', 'abc', 'hello'], ['ask'], ['search', 'x', '--type', 'spreadsheet'], ['remove', 'data/nope.md']]) {
      const ran = await run(args, { cwd });
      expect(ran.code, `kb ${args.join(' ')}`).toBe(1);
      expect(ran.stderr, `kb ${args.join(' ')}`).toMatch(/error:/);
      expectCleanStderr(ran);
    }
  });

  it('index with a file that cannot be parsed exits 2 and lists it', async () => {
    const folder = join(cwd, 'broken');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'fine.md'), '# Fine\n\nThis file indexes without trouble.\n');
    writeFileSync(join(folder, 'bad.pdf'), readFileSync(join(DATA_DIR, 'security', 'information-security-policy.pdf')).subarray(0, 2_000));
    const ran = await run(['index', 'broken', '--kb-dir', join(cwd, 'broken-kb'), '--json'], { cwd });
    expect(ran.code, ran.stderr).toBe(2);
    expectCleanStderr(ran);
    const summary = json<Summary>(ran);
    expect(summary.files).toMatchObject({ new: 1, failed: 1 });
    expect(summary.failures).toEqual([{ path: 'broken/bad.pdf', reason: expect.any(String) }]);
  });

  it('every command but index, on a kb dir with no index, says so and how to make one (exit 1), creating nothing', async () => {
    const empty = join(cwd, 'empty-kb');
    const ran = await run(['ask', 'How long is the notice period?', '--kb-dir', empty], { cwd });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/No knowledge base at .*empty-kb.*kb index/);
    expectCleanStderr(ran);
    const asJson = json<{ error: { code: string; message: string } }>(await run(['ask', '--json', 'How long is the notice period?', '--kb-dir', empty], { cwd }));
    expect(asJson.error.code).toBe('USAGE');
    for (const args of [['status'], ['search', 'notice'], ['verify'], ['verify', '--repair'], ['remove', 'hr/pto.md'], ['serve', '--port', '0']]) {
      const refused = await run([...args, '--kb-dir', empty], { cwd });
      expect(refused.code, `kb ${args.join(' ')}`).toBe(1);
      expect(refused.stderr, `kb ${args.join(' ')}`).toMatch(/No knowledge base at .*empty-kb/);
      expect(refused.stderr, `kb ${args.join(' ')} logs nothing before refusing`).not.toContain('"msg"');
    }
    expect(existsSync(empty)).toBe(false);
    const badArgs = await run(['search', '--json'], { cwd });
    expect(badArgs.code).toBe(1);
    expect(json<{ error: { code: string } }>(badArgs).error.code).toBe('USAGE');
  });

  // Only as a real process: a crash on the damaged file would take the test runner down with it. The offline
  // embedder's vectors are sparse, so the base is vectors.cols; hnsw-file-check.test.ts does this for vectors.hnsw.
  if (isProcess) it('search with vectors on a kb whose vector base file is damaged rebuilds it instead of crashing', async () => {
    const damaged = join(cwd, 'damaged-kb');
    mkdirSync(damaged);
    for (const f of ['kb.sqlite', 'vectors.cols', 'vectors.json']) cpSync(join(cwd, '.kb', f), join(damaged, f));
    const env = { KB_VECTOR_WEIGHT: '1', KB_KEYWORD_WEIGHT: '1' };
    const args = ['search', 'notice period during probation', '--top-k', '5', '--json'];
    const sound = await run([...args, '--kb-dir', join(cwd, '.kb')], { cwd, env });
    expect(sound.code, sound.stderr).toBe(0);

    const file = join(damaged, 'vectors.cols');
    const bytes = readFileSync(file);
    const start = Math.floor(bytes.length / 2) - 10_000;
    bytes.fill(0x41, start, start + 20_000); // same size, valid header, 20 KB of 'A' in the middle
    writeFileSync(file, bytes);
    const ran = await run([...args, '--kb-dir', damaged], { cwd, env });
    expect(ran.signal, 'the process was killed by a signal').toBeNull();
    expect(ran.code, ran.stderr).toBe(0);
    expect(json<SearchJson>(ran).results.map((r) => r.id)).toEqual(json<SearchJson>(sound).results.map((r) => r.id));
  });

  // Mutates the kb: keep last.
  it('remove a file, then status shows 20 documents and a dry run lists it as new', async () => {
    const removed = await run(['remove', join(copy, 'hr', 'paid-time-off.md'), '--json'], { cwd });
    expect(removed.code, removed.stderr).toBe(0);
    expectCleanStderr(removed);
    const body = json<{ removed: Array<{ path: string }>; chunks: number }>(removed);
    expect(body.removed.map((r) => r.path)).toEqual(['data/hr/paid-time-off.md']);
    expect(body.chunks).toBeGreaterThan(0);

    expect(json<Status>(await run(['status', '--json'], { cwd })).documents).toBe(20);
    const search = json<SearchJson>(await run(['search', 'paid time off carry-over', '--json'], { cwd }));
    expect(search.results.map((r) => r.path)).not.toContain('data/hr/paid-time-off.md');

    const dry = await run(['index', 'data', '--dry-run', '--json'], { cwd });
    expect(dry.code, dry.stderr).toBe(0);
    expectCleanStderr(dry);
    const plan = json<Summary>(dry);
    expect(plan.dryRun).toBe(true);
    expect(plan.plan).toEqual({ new: ['data/hr/paid-time-off.md'], changed: [], deleted: [] });
    expect(plan.files).toMatchObject({ new: 1, unchanged: 20 });
    expect(json<Status>(await run(['status', '--json'], { cwd })).documents, 'a dry run changes nothing').toBe(20);
  });
});

describe('the installed command', () => {
  it('`npx kb` runs the built bin from the project, as the README says', () => {
    const out = execFileSync('npx', ['--no-install', 'kb', '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('a reader that stops early', () => {
  it('`kb ask ... | head` closing the pipe ends the command quietly, without a stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'kb-epipe-'));
    try {
      const quiet = { write: () => true };
      expect(await runCli(['index', DATA_DIR, '--kb-dir', join(dir, 'kb')], { stdout: quiet, stderr: quiet, env: {}, cwd: dir })).toBe(0);
      const child = spawn(process.execPath, [BIN, 'ask', 'How long is the notice period?', '--kb-dir', join(dir, 'kb')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b));
      child.stdout.once('data', () => child.stdout.destroy()); // like head -1
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(stderr).not.toMatch(/EPIPE|at .+:\d+:\d+/);
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

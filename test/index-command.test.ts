import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../bench/generate-corpus.js';
import { runCli } from '../src/cli/run-cli.js';
import { memoryCtx } from './server-fixture.js';
import { DATA_DIR, tempDir } from './temp-dir.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');
const GOOD_PDF = join(DATA_DIR, 'security', 'information-security-policy.pdf');

interface Summary {
  files: { new: number; changed: number; unchanged: number; failed: number };
  chunks: { added: number };
  failures: Array<{ path: string; reason: string }>;
  plan?: { new: string[]; changed: string[]; deleted: string[] };
  stoppedEarly?: string;
}

async function kb(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; summary: Summary }> {
  const ctx = { ...memoryCtx(cwd), env };
  const code = await runCli(args, ctx);
  const out = ctx.out.join('');
  return { code, out, summary: args.includes('--json') && out.startsWith('{') ? (JSON.parse(out) as Summary) : ({} as Summary) };
}

function folderWithBrokenPdf(): { cwd: string; bad: string } {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'docs'));
  writeFileSync(join(cwd, 'docs', 'fine.md'), '# Fine\n\nThis file indexes without trouble.\n');
  const bad = join(cwd, 'docs', 'bad.pdf');
  writeFileSync(bad, readFileSync(GOOD_PDF).subarray(0, 2_000));
  return { cwd, bad };
}

describe('kb index: files that fail to parse', () => {
  it('a dry run lists a failing file as failing, not as new, and its counts agree with its plan (exit 0)', async () => {
    const { cwd } = folderWithBrokenPdf();
    const dry = await kb(cwd, ['index', 'docs', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(dry.summary.plan?.new).toEqual(['docs/fine.md']);
    expect(dry.summary.files).toMatchObject({ new: 1, failed: 1 });
    expect(dry.summary.failures).toEqual([{ path: 'docs/bad.pdf', reason: expect.any(String) }]);
    const text = await kb(cwd, ['index', 'docs', '--dry-run']);
    expect(text.out).toMatch(/1 new, .*1 would fail/);
    expect(text.out).toMatch(/Would fail 1:\n {2}docs\/bad\.pdf: /);
    expect(text.out).not.toMatch(/\+ docs\/bad\.pdf/);
  });

  it('an unchanged broken file is not parsed again; a changed one, or --retry-failed, is', async () => {
    const { cwd, bad } = folderWithBrokenPdf();
    const first = await kb(cwd, ['index', 'docs', '--json']);
    expect(first.code).toBe(2);
    const reason = first.summary.failures[0]!.reason;
    expect(reason).not.toMatch(/unchanged since it failed/);

    const again = await kb(cwd, ['index', 'docs', '--json']);
    expect(again.code).toBe(2);
    expect(again.summary.failures).toEqual([{ path: 'docs/bad.pdf', reason: `${reason} (unchanged since it failed; kb index --retry-failed parses it again)` }]);
    expect(again.summary.files).toMatchObject({ unchanged: 1, failed: 1 });

    // Touched, same bytes: recognised by content.
    utimesSync(bad, new Date(), new Date(Date.now() + 5_000));
    expect((await kb(cwd, ['index', 'docs', '--json'])).summary.failures[0]!.reason).toMatch(/unchanged since it failed/);

    const retried = await kb(cwd, ['index', 'docs', '--retry-failed', '--json']);
    expect(retried.summary.failures).toEqual([{ path: 'docs/bad.pdf', reason }]);

    cpSync(GOOD_PDF, bad);
    const fixed = await kb(cwd, ['index', 'docs', '--json']);
    expect(fixed.code).toBe(0);
    expect(fixed.summary.files).toMatchObject({ new: 1, failed: 0 });
    expect((await kb(cwd, ['index', 'docs', '--json'])).summary.failures).toEqual([]);
  });
});

describe('kb index: chunk settings', () => {
  it('--chunk-tokens given once is remembered; a chosen setting changes it', async () => {
    const cwd = tempDir();
    cpSync(DATA_DIR, join(cwd, 'data'), { recursive: true });
    const small = await kb(cwd, ['index', 'data', '--chunk-tokens', '120', '--json']);
    expect(small.code).toBe(0);
    const plain = await kb(cwd, ['index', 'data', '--json']);
    expect(plain.summary.files).toMatchObject({ new: 0, changed: 0, unchanged: 21 });
    const dry = await kb(cwd, ['index', 'data', '--dry-run', '--json']);
    expect(dry.summary.files).toMatchObject({ changed: 0, unchanged: 21 });

    const chosen = await kb(cwd, ['index', 'data', '--json'], { KB_CHUNK_TOKENS: '400' });
    expect(chosen.summary.files).toMatchObject({ changed: 21 });
    expect(chosen.summary.chunks.added).toBeLessThan(small.summary.chunks.added);
    expect((await kb(cwd, ['index', 'data', '--json'])).summary.files).toMatchObject({ changed: 0, unchanged: 21 });
  });
});

describe('kb index interrupted', () => {
  it('Ctrl+C (SIGINT) mid-run keeps what was committed and exits 130', async () => {
    const cwd = tempDir();
    generateCorpus(join(cwd, 'corpus'), { files: 200, bytesPerFile: 2500, seed: 5 });
    const child = spawn(process.execPath, [BIN, 'index', 'corpus', '--progress-every', '1'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    let signalled = false;
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      if (!signalled && /indexed \d+\/200 files/.test(t)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(signalled).toBe(true);
    expect(code).toBe(130);
    expect(stdout).toMatch(/Stopped early: interrupted/);
  });
});

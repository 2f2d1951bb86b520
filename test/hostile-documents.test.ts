import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exitOf, waitForOutput } from './child-output.js';
import { openStore } from '../src/store/sqlite-store.js';
import { makeDocx } from './make-docx.js';
import { tempDir } from './temp-dir.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function kb(args: string[], cwd: string, timeout = 120_000): Promise<Ran> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
      done({ code: typeof code === 'number' ? code : null, stdout, stderr, ms: Date.now() - started });
    });
  });
}

interface Summary {
  failures: Array<{ path: string; reason: string }>;
  warnings: Array<{ path: string; message: string }>;
}

function summaryOf(ran: Ran): Summary {
  try {
    return JSON.parse(ran.stdout) as Summary;
  } catch {
    throw new Error(`kb index printed no JSON (exit ${ran.code}):\n${ran.stdout}\n${ran.stderr}`);
  }
}

const reasonOf = (summary: Summary, path: string) => summary.failures.find((f) => f.path === path)?.reason;

async function search(cwd: string, word: string): Promise<string[]> {
  const ran = await kb(['search', word, '--json'], cwd);
  return [...new Set((JSON.parse(ran.stdout) as { results: Array<{ path: string }> }).results.map((r) => r.path))];
}

/** Markdown whose front matter, in gray-matter's `js` engine, writes `marker`: run, it would prove code execution. */
function evilFrontMatter(engine: string, marker: string): string {
  return `---${engine}\n{ title: (require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'), 'pwned') }\n---\n# Evil\n\nThis page mentions the ocelot.\n`;
}

/** Billion laughs: nine levels of nine aliases each, 387 million strings if expanded. */
function yamlAliasBomb(): string {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(', ')}]`);
  return `---\n${lines.join('\n')}\ntitle: Laughs\n---\n# Laughs\n\nThe alias bomb page mentions the capybara.\n`;
}

function makeFrontMatterCorpus(root: string, marker: string): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'evil-js.md'), evilFrontMatter('js', marker));
  writeFileSync(join(root, 'evil-javascript.md'), evilFrontMatter('javascript', marker));
  writeFileSync(join(root, 'evil-coffee.md'), evilFrontMatter('coffee', marker));
  writeFileSync(join(root, 'laughs.md'), yamlAliasBomb());
  writeFileSync(join(root, 'json.md'), '---json\n{ "title": "Json page", "tags": ["j"] }\n---\nThe JSON front matter page mentions the tapir.\n');
  writeFileSync(join(root, 'good.md'), '---\ntitle: Good\ntags: [ok]\n---\n# Good\n\nA normal page about the narwhal budget.\n');
}

function expectFrontMatterHandled(failures: Array<{ path: string; reason: string }>, marker: string): void {
  expect(existsSync(marker), 'the front matter ran code').toBe(false);
  for (const engine of ['js', 'javascript', 'coffee']) {
    expect(failures.find((f) => f.path === `docs/evil-${engine}.md`)?.reason, engine).toMatch(new RegExp(`front matter engine '${engine}' is not allowed; use YAML`));
  }
}

describe('hostile documents', () => {
  test('front matter is data only: ---js and other engines are refused and run nothing; a YAML alias bomb is bounded (kb index)', async () => {
    const work = tempDir('kb-frontmatter-');
    const marker = join(work, 'MARKER');
    makeFrontMatterCorpus(join(work, 'docs'), marker);

    const ran = await kb(['index', 'docs', '--json'], work);
    expect(ran.code, ran.stderr).toBe(2);
    const summary = summaryOf(ran);
    expectFrontMatterHandled(summary.failures, marker);
    expect(summary.failures).toHaveLength(3);
    expect(summary.warnings.find((w) => w.path === 'docs/laughs.md')?.message).toMatch(/front matter ignored: .*alias/i);
    expect(await search(work, 'capybara')).toEqual(['docs/laughs.md']);
    expect(await search(work, 'tapir')).toEqual(['docs/json.md']);
    expect(await search(work, 'narwhal')).toEqual(['docs/good.md']);
    expect(await search(work, 'ocelot')).toEqual([]);
  });

  test('2 MB of headingless HTML indexes in time; a .docx of 50 MB XML is failed by the per-file timeout; the run finishes', async () => {
    const work = tempDir('kb-slow-');
    const root = join(work, 'docs');
    mkdirSync(root);
    const paragraph = '<p>Lorem ipsum dolor sit amet, the headingless page mentions the quetzal, sed do eiusmod tempor.</p>\n';
    writeFileSync(join(root, 'flat.html'), `<html><body>${paragraph.repeat(Math.ceil((2 * 1048576) / paragraph.length))}</body></html>`);
    writeFileSync(join(root, 'huge.docx'), await makeDocx({ xmlBytes: 50 * 1048576 }));
    writeFileSync(join(root, 'good.md'), '# Good\n\nA normal page about the narwhal budget.\n');
    writeFileSync(join(work, 'kb.config.json'), JSON.stringify({ ingest: { fileTimeoutMs: 5000 } }));

    const ran = await kb(['index', 'docs', '--json'], work);
    const summary = summaryOf(ran);
    expect(ran.code).toBe(2);
    expect(summary.failures.map((f) => f.path)).toEqual(['docs/huge.docx']);
    expect(reasonOf(summary, 'docs/huge.docx')).toMatch(/longer than 5 s \(ingest\.fileTimeoutMs\)/);
    expect(ran.ms).toBeLessThan(30_000); // before: the 50 MB .docx alone ran for over 15 minutes
    expect(await search(work, 'quetzal')).toEqual(['docs/flat.html']);
    expect(await search(work, 'narwhal')).toEqual(['docs/good.md']);
  }, 120_000);

  test('Ctrl+C during a stuck parse ends kb index promptly with exit 130, keeping what was committed', async () => {
    const work = tempDir('kb-sigint-');
    const root = join(work, 'docs');
    mkdirSync(root);
    // First in walk order, so it is in a parser while the small files go by; it would take minutes.
    writeFileSync(join(root, '0-stuck.docx'), await makeDocx({ xmlBytes: 50 * 1048576 }));
    for (let i = 0; i < 100; i++) writeFileSync(join(root, `note-${i}.md`), `# Note ${i}\n\nNote ${i} mentions the pika.\n`);
    writeFileSync(join(work, 'kb.config.json'), JSON.stringify({ ingest: { fileTimeoutMs: 600_000 } }));

    const child = spawn(process.execPath, [BIN, 'index', 'docs'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = exitOf(child);
    child.stdout.resume();
    try {
      await waitForOutput(child.stderr, /indexed 100\/101 files/); // every note done, the .docx still parsing
      const signalled = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(Date.now() - signalled).toBeLessThan(10_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL'); // a failed run must not leave the parse going
    }
    expect((await search(work, 'pika')).length).toBeGreaterThan(0);
  }, 120_000);

  test('a zip bomb (.docx of 200 MB XML) and a zip that lies about its sizes fail alone; the file beside them is committed (kb index)', async () => {
    const work = tempDir('kb-zipbomb-');
    const root = join(work, 'docs');
    mkdirSync(root);
    writeFileSync(join(root, 'bomb.docx'), await makeDocx({ xmlBytes: 200 * 1048576 }));
    writeFileSync(join(root, 'liar.docx'), await makeDocx({ xmlBytes: 200 * 1048576, declaredSize: 4096 }));
    writeFileSync(join(root, 'good.md'), '# Good\n\nA normal page about the narwhal budget.\n');

    const ran = await kb(['index', 'docs', '--json'], work);
    const summary = summaryOf(ran);
    expect(ran.code, ran.stderr).toBe(2);
    expect(reasonOf(summary, 'docs/bomb.docx')).toMatch(/unpacks to more than the 100 MB limit \(ingest\.maxInflatedBytes\).*zip bomb/);
    expect(reasonOf(summary, 'docs/liar.docx')).toMatch(/not a valid \.docx file \(too many bytes in the stream|unpacks to more than/);
    expect(summary.failures).toHaveLength(2);
    expect(await search(work, 'narwhal')).toEqual(['docs/good.md']);
  }, 120_000);

  test('under kb serve, POST /v1/index with a ---js file and a zip bomb: nothing runs, the job ends partial, the server stays healthy and the good file is found', async () => {
    const work = tempDir('kb-serve-hostile-');
    const marker = join(work, 'MARKER');
    const root = join(work, 'docs');
    makeFrontMatterCorpus(root, marker);
    writeFileSync(join(root, 'bomb.docx'), await makeDocx({ xmlBytes: 200 * 1048576 }));
    writeFileSync(join(work, 'kb.config.json'), JSON.stringify({ roots: [root], server: { port: 0, logLevel: 'warn', rateLimitPerMinute: 100_000 } }));

    // kb serve refuses a folder with no knowledge base: start from an empty one, which the index job fills.
    openStore(join(work, '.kb')).close();
    const server = spawn(process.execPath, [BIN, 'serve'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = exitOf(server);
    server.stderr.resume();
    try {
      const [, url] = await waitForOutput(server.stdout, /on (http:\/\/\S+) /);
      const started = await fetch(`${url}/v1/index`, { method: 'POST' });
      expect(started.status).toBe(202);
      const { href } = (await started.json()) as { href: string };
      let job: { status: string; errors: Array<{ path: string; reason: string }> };
      do job = (await (await fetch(`${url}${href}`)).json()) as typeof job;
      while (job.status === 'running' && (await new Promise((r) => setImmediate(r, true))));
      expect(job.status).toBe('partial');
      expectFrontMatterHandled(job.errors, marker);
      expect(job.errors.find((e) => e.path === 'docs/bomb.docx')?.reason).toMatch(/zip bomb/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const retrieved = await fetch(`${url}/v1/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'narwhal budget' }) });
      const { chunks } = (await retrieved.json()) as { chunks: Array<{ path: string }> };
      expect(chunks.map((c) => c.path)).toContain('docs/good.md');
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});

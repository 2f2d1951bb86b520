import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeTerminal } from '../src/cli/escape-terminal.js';
import { openStore } from '../src/store/sqlite-store.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const NOBODY = 65534;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KB_|AWS_)/.test(k)) env[k] = v;
  return env;
}

/** `kb …` as a real process; `asNobody` drops to uid/gid 65534 first (the suite runs as root, which ignores file modes). */
function kb(args: string[], { cwd, asNobody = false }: { cwd: string; asNobody?: boolean }): Promise<Ran> {
  const [file, argv] = asNobody
    ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  return new Promise((done) => {
    execFile(file as string, argv as string[], { cwd, env: { ...childEnv(), HOME: tmpdir() }, timeout: 60_000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number | string }) | null;
      done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr });
    });
  });
}

const EVIL_NAME = 'evil\x1b]0;pwned\x07\u202egnp.md';
const EVIL_TEXT = '# Title\x1b[2J\n\nThe zebra policy says \x1b[31mred\x1b[0m text and \u202eesrever\u202c, then \x9b31m C1 and a bell\x07.';

let dir: string;
let kbDir: string;
beforeAll(async () => {
  // Readable and traversable by nobody: mkdtemp makes 0700 folders.
  dir = mkdtempSync(join(tmpdir(), 'kb-reading-'));
  chmodSync(dir, 0o755);
  const docs = join(dir, 'docs');
  mkdirSync(join(docs, 'notes'), { recursive: true });
  writeFileSync(join(docs, 'notes', 'readme.txt'), 'The zebra crossing rule for plain text notes.');
  writeFileSync(join(docs, 'guide.md'), '# Guide\n\nThe zebra crossing guide.');
  writeFileSync(join(docs, EVIL_NAME), EVIL_TEXT);
  kbDir = join(dir, 'kb');
  const indexed = await kb(['index', docs, '--kb-dir', kbDir], { cwd: dir });
  expect(indexed.code, indexed.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('terminal output', () => {
  it('escapes control and bidi characters from file names and text in human output', async () => {
    const search = await kb(['search', 'zebra policy', '--kb-dir', kbDir], { cwd: dir });
    expect(search.code, search.stderr).toBe(0);
    const ask = await kb(['ask', 'What does the zebra policy say?', '--kb-dir', kbDir], { cwd: dir });
    expect(ask.code, ask.stderr).toBe(0);
    for (const out of [search.stdout, ask.stdout]) {
      expect(out).toContain('evil\\u{1b}]0;pwned\\u{7}\\u{202e}gnp.md');
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    }
    expect(search.stdout).toContain('\\u{1b}[31mred');
    // JSON output keeps the real characters, escaped by JSON itself.
    const json = await kb(['search', 'zebra policy', '--kb-dir', kbDir, '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout).results.some((r: { path: string }) => r.path === `docs/${EVIL_NAME}`)).toBe(true);
  });

  it('escapeTerminal keeps newlines and tabs and makes everything else visible', () => {
    expect(escapeTerminal('a\tb\nc')).toBe('a\tb\nc');
    expect(escapeTerminal('\x1b]0;x\x07\r\u2066\u061c\x7f')).toBe('\\u{1b}]0;x\\u{7}\\u{d}\\u{2066}\\u{61c}\\u{7f}');
  });
});

describe('path globs from the CLI', () => {
  it('match relative to the indexed folder (--glob "*.md"), and a refused glob exits 1 naming --glob', async () => {
    const paths = async (glob: string) => {
      const r = await kb(['search', 'zebra', '--kb-dir', kbDir, '--glob', glob, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      return new Set((JSON.parse(r.stdout).results as Array<{ path: string }>).map((c) => c.path));
    };
    expect(await paths('*.md')).toEqual(new Set(['docs/guide.md', `docs/${EVIL_NAME}`]));
    expect(await paths('**/*.txt')).toEqual(new Set(['docs/notes/readme.txt']));
    expect(await paths('docs/notes/*')).toEqual(new Set(['docs/notes/readme.txt']));
    const refused = await kb(['search', 'zebra', '--kb-dir', kbDir, '--glob', `docs/${'*?'.repeat(20)}Z`], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--glob/);
    expect(refused.stderr).toMatch(/wildcards/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // a usage error, not a stack
  });
});

describe('a knowledge base the user may only read', () => {
  it('answers kb search, kb ask and kb status as another user, writing nothing', async () => {
    expect(execFileSync('id', ['-u', 'nobody']).toString().trim()).toBe(String(NOBODY));
    // A freshly closed kb has no -shm: the case where SQLite cannot open a WAL database read-only in place.
    const kbDir = join(dir, 'kb-fresh');
    expect((await kb(['index', join(dir, 'docs'), '--kb-dir', kbDir], { cwd: dir })).code).toBe(0);
    expect(readdirSync(kbDir).filter((f) => /-(wal|shm)$/.test(f))).toEqual([]);
    const before = snapshot(kbDir);
    // Without the fix these failed with "attempt to write a readonly database".
    const search = await kb(['search', 'zebra crossing', '--kb-dir', kbDir], { cwd: dir, asNobody: true });
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/docs\/(guide\.md|notes\/readme\.txt)/);
    const ask = await kb(['ask', 'What is the zebra crossing rule?', '--kb-dir', kbDir], { cwd: dir, asNobody: true });
    expect(ask.code, ask.stderr).toBe(0);
    expect(ask.stdout).toMatch(/zebra/i);
    const status = await kb(['status', '--kb-dir', kbDir, '--json'], { cwd: dir, asNobody: true });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).documents).toBe(3);
    expect(snapshot(kbDir)).toEqual(before);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('kb-readonly-') && statSync(join(tmpdir(), f)).uid === NOBODY)).toEqual([]);
  });

  it('opens read-only without creating, migrating or writing anything', () => {
    const before = snapshot(kbDir);
    const store = openStore(kbDir, { readonly: true });
    expect(store.counts().documents).toBe(3);
    expect(() => store.setMeta('x', 'y')).toThrow(/readonly/);
    store.close();
    // SQLite's WAL readers may leave an empty -wal and the -shm index (shared memory, where readers mark what
    // they read) where they are allowed to create them, as root here; the database and vector files are untouched.
    const after = snapshot(kbDir);
    for (const f of Object.keys(before).filter((name) => !name.endsWith('-shm'))) expect(after[f], f).toEqual(before[f]);
    expect(after['kb.sqlite-wal']?.size ?? 0).toBe(0);
    const missing = join(dir, 'no-such-kb');
    expect(() => openStore(missing, { readonly: true })).toThrow();
    expect(existsSync(missing)).toBe(false);
  });
});

/** Names, sizes and modification times of the kb folder's files (a -wal or -shm appearing shows too). */
function snapshot(folder: string) {
  return Object.fromEntries(readdirSync(folder).sort().map((f) => {
    const st = statSync(join(folder, f));
    return [f, { size: st.size, mtimeMs: st.mtimeMs }];
  }));
}

describe('a knowledge base written by an older bedrock-kb', () => {
  it('is upgraded by the first reader that may write it, then read as usual', async () => {
    const old = join(dir, 'old-kb');
    const indexed = await kb(['index', join(dir, 'docs'), '--kb-dir', old], { cwd: dir });
    expect(indexed.code, indexed.stderr).toBe(0);
    // What schema 1 looked like: no failed_files table, version 1.
    const store = openStore(old);
    store.db.exec("DROP TABLE failed_files; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    store.close();
    const asNobody = await kb(['search', 'zebra', '--kb-dir', old], { cwd: dir, asNobody: true });
    expect(asNobody.code).toBe(1);
    expect(asNobody.stderr).toMatch(/schema 1.*Run kb index once/);
    const searched = await kb(['search', 'zebra', '--kb-dir', old, '--json'], { cwd: dir });
    expect(searched.code, searched.stderr).toBe(0);
    expect(JSON.parse(searched.stdout).results.length).toBeGreaterThan(0);
    const reopened = openStore(old, { readonly: true });
    expect(reopened.getMeta('schema_version')).not.toBe('1');
    reopened.close();
  });
});

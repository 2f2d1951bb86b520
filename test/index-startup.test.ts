import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Runs the built `kb` in `dir` and returns its stdout and the URLs of every module it loaded (Node's loader hooks). */
function kbLoading(dir: string, args: string[]): { out: string; loaded: string } {
  const log = join(dir, 'loaded.txt');
  rmSync(log, { force: true });
  writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`);
  const env = { PATH: process.env.PATH ?? '', HOME: dir, KB_PROVIDER: 'local' }; // as bench:scale runs it
  const out = execFileSync(process.execPath, ['--import', join(dir, 'register.mjs'), join(ROOT, 'dist/src/cli/bin.js'), ...args], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { out, loaded: readFileSync(log, 'utf8') };
}

describe('what a kb process loads', () => {
  it('kb index loads neither zod, the retrieval modules nor the YAML and HTML parsers when nothing is configured and no file needs them; kb ask loads no zod', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'a.md'), '# Leaving\n\nThe notice period is one month for every employee.\n');
    writeFileSync(join(dir, 'docs', 'b.md'), '# Travel\n\nBook flights through the travel desk and keep the receipts.\n');
    writeFileSync(join(dir, 'docs', 'c.md'), '# Laptops\n\nLaptops are replaced every three years by the IT team.\n');
    const index = kbLoading(dir, ['index', 'docs', '--kb-dir', 'kb']);
    expect(index.out).toMatch(/Indexed 3 files .*3 new/);
    expect(index.loaded).toContain('/dist/src/store/sqlite-kb-store.js');
    expect(index.loaded).not.toMatch(/\/node_modules\/zod\//);
    expect(index.loaded).not.toContain('/dist/src/retrieve/create-retriever.js');
    // The file was parsed (micromark), but has neither front matter nor HTML: their parsers stay unloaded.
    expect(index.loaded).toContain('/node_modules/micromark/');
    expect(index.loaded).not.toContain('/node_modules/yaml/');
    expect(index.loaded).not.toContain('/node_modules/htmlparser2/');

    const ask = kbLoading(dir, ['ask', 'What is the notice period for an employee?', '--kb-dir', 'kb']);
    expect(ask.out).toContain('one month');
    expect(ask.loaded).toContain('/dist/src/retrieve/create-retriever.js');
    expect(ask.loaded).not.toMatch(/\/node_modules\/zod\//);
  });
});

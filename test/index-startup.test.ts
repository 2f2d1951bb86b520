import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('kb index as a process', () => {
  it('loads neither zod, the retrieval modules nor the YAML and HTML parsers when nothing is configured and no file needs them', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'a.md'), '# A\n\nThe notice period is one month.\n');
    // Records every module the process loads, through Node's loader hooks.
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(join(dir, 'loaded.txt'))}, url + '\\n'); return next(url, context); }\n`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`);
    const env = { PATH: process.env.PATH ?? '', HOME: dir, KB_PROVIDER: 'local' }; // as bench:scale runs it
    const out = execFileSync(process.execPath, ['--import', join(dir, 'register.mjs'), join(ROOT, 'dist/src/cli/bin.js'), 'index', 'docs', '--kb-dir', 'kb'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/Indexed 1 files .*1 new/);
    const loaded = readFileSync(join(dir, 'loaded.txt'), 'utf8');
    expect(loaded).toContain('/dist/src/store/sqlite-kb-store.js');
    expect(loaded).not.toMatch(/\/node_modules\/zod\//);
    expect(loaded).not.toContain('/dist/src/retrieve/create-retriever.js');
    // The file was parsed (micromark), but has neither front matter nor HTML: their parsers stay unloaded.
    expect(loaded).toContain('/node_modules/micromark/');
    expect(loaded).not.toContain('/node_modules/yaml/');
    expect(loaded).not.toContain('/node_modules/htmlparser2/');
  });
});

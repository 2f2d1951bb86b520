import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { readWalkedFile } from '../src/ingest/read-walked-file.js';
import { walkFiles } from '../src/ingest/walk-files.js';
import { memoryCtx } from './server-fixture.js';
import { tempDir } from './temp-dir.js';

const LIMITS = { maxFileBytes: 1024 * 1024 };

function layout() {
  const work = tempDir('kb-swap-');
  const root = join(work, 'docs');
  const outside = join(work, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.md'), '# Secret\n\nThe outside secret mentions the wombat.\n');
  writeFileSync(join(outside, 'page.md'), '# Secret\n\nThe outside secret mentions the wombat.\n');
  writeFileSync(join(root, 'swap.md'), '# Fine\n\nAn ordinary page about the narwhal.\n');
  writeFileSync(join(root, 'sub', 'page.md'), '# Fine\n\nAn ordinary page about the narwhal.\n');
  return { work, root, outside };
}

async function walked(root: string, followSymlinks: boolean, name: string) {
  const { files } = await walkFiles(root, { ...LIMITS, followSymlinks });
  const file = files.find((f) => f.path === `docs/${name}`);
  if (!file) throw new Error(`the walk did not find ${name}`);
  return file;
}

describe('what is read is what was checked', () => {
  test('a file swapped for a symlink to a secret after the walk is refused, not read (followSymlinks false)', async () => {
    const { root, outside } = layout();
    const file = await walked(root, false, 'swap.md');
    rmSync(join(root, 'swap.md'));
    symlinkSync(join(outside, 'secret.md'), join(root, 'swap.md'));
    expect(() => readWalkedFile(file, { ...LIMITS, followSymlinks: false })).toThrow(/is a symbolic link now .*not followed/);
  });

  test('a folder swapped for a symlink out of the root after the walk is refused, whether links are followed or not', async () => {
    for (const followSymlinks of [false, true]) {
      const { root, outside } = layout();
      const file = await walked(root, followSymlinks, 'sub/page.md');
      rmSync(join(root, 'sub'), { recursive: true });
      symlinkSync(outside, join(root, 'sub'));
      expect(() => readWalkedFile(file, { ...LIMITS, followSymlinks }), `followSymlinks ${followSymlinks}`).toThrow(/outside the indexed folder/);
    }
  });

  test('a file swapped for a named pipe is refused at once instead of blocking the read', async () => {
    const { root } = layout();
    const file = await walked(root, false, 'swap.md');
    rmSync(join(root, 'swap.md'));
    execFileSync('mkfifo', [join(root, 'swap.md')]);
    expect(() => readWalkedFile(file, { ...LIMITS, followSymlinks: false })).toThrow(/not a regular file \(a named pipe\)/);
  });

  test('racing swaps between a file and a symlink to a secret never put outside text in the index', async () => {
    const { work, root, outside } = layout();
    const names = Array.from({ length: 10 }, (_, i) => `race-${i}.md`);
    for (const name of names) writeFileSync(join(root, name), `# Race\n\nAn ordinary race page about the narwhal, ${name}.\n`);
    writeFileSync(join(work, 'kb.config.json'), JSON.stringify({ ingest: { followSymlinks: false } }));
    // The swapper runs in its own process, so swaps land between our walk and our read. Each swap is a rename,
    // atomic: the path is always either the ordinary file or the link.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const [root, secret, ...names] = process.argv.slice(1); let swaps = 0;
         process.on('SIGTERM', () => { process.stdout.write(String(swaps)); process.exit(0); });
         const step = () => { for (let k = 0; k < 20; k++) for (const n of names) {
           const p = root + '/' + n, tmp = root + '/.tmp-' + n;
           if (Math.floor(swaps / names.length) % 2) fs.writeFileSync(tmp, '# Race\\n\\nAn ordinary race page about the narwhal.\\n'); else fs.symlinkSync(secret, tmp);
           fs.renameSync(tmp, p); swaps++; }
           setImmediate(step); };
         process.stdout.write('go\\n'); step();`,
        root,
        join(outside, 'secret.md'),
        ...names,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    swapper.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((resolve) => swapper.stdout.once('data', resolve));
    let refusedAtRead = 0;
    try {
      for (let run = 0; run < 30; run++) {
        const ctx = memoryCtx(work);
        await runCli(['index', 'docs', '--rebuild', '--json'], ctx);
        const summary = JSON.parse(ctx.out.join('')) as { failures: Array<{ reason: string }> };
        refusedAtRead += summary.failures.filter((f) => /symbolic link now/.test(f.reason)).length;
        const search = memoryCtx(work);
        await runCli(['search', 'wombat', '--json'], search);
        expect(JSON.parse(search.out.join('')).results, `run ${run}`).toEqual([]);
      }
    } finally {
      const exited = new Promise((resolve) => swapper.once('exit', resolve));
      swapper.kill('SIGTERM');
      await exited;
    }
    expect(Number(out.replace('go\n', ''))).toBeGreaterThan(200);
    // The race was really run: some files were links by the time they were read, after the walk saw a file.
    expect(refusedAtRead).toBeGreaterThan(0);
  }, 120_000);
});

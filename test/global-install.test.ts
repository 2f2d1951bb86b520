import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { DATA_DIR, tempDir } from './temp-dir.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');

// The README tells users to put `kb` on their PATH with `npm install -g .` from the clone (outside it, `npx kb`
// would fetch an unrelated registry package named kb). Installed that way, the command must work from anywhere.
it('`npm install -g .` from the clone gives a `kb` command on the PATH that works outside the clone', async () => {
  const prefix = tempDir('kb-global-');
  await run('npm', ['install', '-g', '--prefix', prefix, ROOT, '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { cwd: ROOT, timeout: 120_000 });
  const elsewhere = tempDir('kb-user-');
  cpSync(join(DATA_DIR, 'hr'), join(elsewhere, 'hr'), { recursive: true });
  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
  const indexed = await run('kb', ['index', 'hr', '--json'], { cwd: elsewhere, env });
  expect(JSON.parse(indexed.stdout).files.new).toBeGreaterThan(0);
  const asked = await run('kb', ['ask', 'How long is the notice period?', '--json'], { cwd: elsewhere, env });
  expect(JSON.parse(asked.stdout).found).toBe(true);
}, 180_000);

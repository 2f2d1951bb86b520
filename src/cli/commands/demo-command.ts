import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRun } from '../cli-context.js';

const SAMPLE_QUESTIONS = ['How long is the notice period?', 'How many vacation days do employees get?'];

/** Indexes the bundled sample data into ./.kb-demo (or --kb-dir) and asks sample questions. */
export const run: CommandRun = async (_args, options, ctx) => {
  const data = findDataDir();
  const kbDir = options.kbDir ?? resolve(ctx.cwd, '.kb-demo');
  const { runCli } = await import('../run-cli.js');
  const json = options.json ? ['--json'] : [];
  ctx.stdout.write(`$ kb index ${data}\n`);
  const indexed = await runCli(['index', data, '--kb-dir', kbDir, ...json], ctx);
  if (indexed === 1 || indexed === 3) return indexed;
  for (const q of SAMPLE_QUESTIONS) {
    ctx.stdout.write(`\n$ kb ask "${q}"\n`);
    const code = await runCli(['ask', q, '--kb-dir', kbDir, ...json], ctx);
    if (code) return code;
  }
  ctx.stdout.write(`\nTry your own: npx kb ask "..." --kb-dir ${kbDir}\n`);
  return indexed;
};

function findDataDir(): string {
  // dist/src/cli/commands -> project root; src/cli/commands when run from source
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'data')) && existsSync(join(dir, 'package.json'))) return join(dir, 'data');
    dir = dirname(dir);
  }
  throw new Error('The sample data folder (data/) was not found next to package.json.');
}

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds dist/ once before any test file runs: the process tests run the built CLI, as a user does after npm ci. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..');
  if (process.env.KB_TEST_SKIP_BUILD === '1') return; // iterating on tests against a dist/ you just built
  try {
    execFileSync(process.execPath, [resolve(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe', timeout: 180_000 });
    execFileSync(process.execPath, [resolve(root, 'scripts', 'make-bin-executable.mjs')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`The build failed, so the process tests cannot run:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

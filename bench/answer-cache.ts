// npm run bench:answer-cache — tokens and cost per answer for 20 questions asked twice (a FAQ that repeats), on
// the sample data through the emulator and the real SDK with `kb ask --json`, without and with answer.cache.
// Prints figures; asserts nothing.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../src/cli/run-cli.js';
import { startEmulator } from '../src/emulator/create-emulator.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY ??= 'secret';

const REPO = resolve(import.meta.dirname, '..', '..');
// The 12 demo questions of the test fixtures and 8 more on the sample data.
const MORE = [
  'On which day of the month are employees paid?',
  'Who approves a purchase of up to $1,000?',
  'How many approvals does a pull request need before it can be merged?',
  'How many review cycles does the company run each year?',
  'Where do I ask the IT team for help?',
  'How much memory should Docker Desktop be given?',
  'When do pay slips appear in Gusto?',
  'Which changes need two approvals from a code owner?',
];
const fixtures = JSON.parse(readFileSync(join(REPO, 'test/fixtures/questions.json'), 'utf8')) as Array<{ question: string }>;
const questions = [...fixtures.map((q) => q.question), ...MORE].slice(0, 20);
const dir = mkdtempSync(join(tmpdir(), 'kb-bench-cache-'));
const emulator = await startEmulator({ port: 0, streamDelayMs: 0 });
const baseEnv = { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url };

async function kb(args: string[], env: Record<string, string>): Promise<string> {
  let out = '';
  const code = await runCli(args, { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: () => true }, env: { ...baseEnv, ...env }, cwd: dir });
  if (code !== 0) throw new Error(`kb ${args.join(' ')} exited ${code}: ${out}`);
  return out;
}

try {
  cpSync(join(REPO, 'data'), join(dir, 'data'), { recursive: true });
  await kb(['index', 'data'], {});
  for (const cache of [false, true]) {
    const env = { KB_ANSWER_CACHE: String(cache) };
    let tokens = 0;
    let usd = 0;
    let hits = 0;
    emulator.reset();
    for (let round = 0; round < 2; round++) {
      for (const question of questions) {
        const r = JSON.parse(await kb(['ask', question, '--json'], env)) as { usage: { inputTokens: number; outputTokens: number; embeddingTokens: number }; cost?: { usd: number }; cached?: boolean };
        tokens += r.usage.inputTokens + r.usage.outputTokens + r.usage.embeddingTokens;
        usd += r.cost?.usd ?? 0;
        if (r.cached) hits++;
      }
    }
    const answers = questions.length * 2;
    console.log(`answer cache ${cache ? 'on ' : 'off'}: ${answers} answers, ${hits} from the cache, ${emulator.stats.requests} model calls; per answer ${(tokens / answers).toFixed(0)} tokens, $${(usd / answers).toFixed(6)}`);
  }
} finally {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
}

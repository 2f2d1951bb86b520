import { dirname } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { NOT_FOUND_TEXT } from '../src/answer/not-found-answer.js';
import { runCli } from '../src/cli/run-cli.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { copyOfData } from './temp-dir.js';

useFakeAwsCredentials();

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, maxRecordedRequests: 100_000, streamDelayMs: 0 });
});
afterAll(() => emulator?.close());

async function kb(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url },
    cwd,
  });
  expect(code, stderr + stdout).toBe(0);
  return JSON.parse(stdout) as { found: boolean; answer: string; citations: unknown[] };
}

const chatRequests = () => emulator.requests.filter((r) => r.route === 'converse' || r.route === 'converse-stream' || r.modelId.startsWith('anthropic.')).length;

test('on Bedrock the calibrated gate decides whether the model is called: a refused question costs no chat call', async () => {
  const data = copyOfData();
  const cwd = dirname(data);
  await kb(['index', data, '--json'], cwd);

  emulator.reset();
  const refused = await kb(['ask', 'What is the speed of light?', '--json'], cwd);
  expect(refused).toMatchObject({ found: false, answer: NOT_FOUND_TEXT, citations: [] });
  expect(emulator.requests.length).toBeGreaterThan(0); // the question was embedded: the emulator was reached
  expect(chatRequests()).toBe(0);

  emulator.reset();
  const answered = await kb(['ask', 'How long is the notice period?', '--json'], cwd);
  expect(answered.found).toBe(true);
  expect(chatRequests()).toBe(1);
});

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY } from './fake-aws-credentials.js';
import { copyOfData } from './temp-dir.js';

const BIN = join(resolve(import.meta.dirname, '..'), 'dist', 'src', 'cli', 'bin.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `kb` as a real process against Bedrock settings; the parent's KB_* and AWS_* never leak in. */
function kb(args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KB_|AWS_)/.test(k)) base[k] = v;
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', ...env }, timeout: 90_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number | string }) | null;
      done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr });
    });
  });
}

const credentials = { AWS_ACCESS_KEY_ID: FAKE_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: FAKE_SECRET_ACCESS_KEY };

/** A loopback port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, maxRecordedRequests: 100_000, streamDelayMs: 1 });
});
afterAll(() => emulator?.close());

describe('kb against Bedrock (the emulator) as real processes', () => {
  it('indexes with no MaxListenersExceededWarning, then 20 searches under 30% throttles all succeed by retrying', async () => {
    const data = copyOfData();
    const cwd = dirname(data);
    const env = { ...credentials, KB_BEDROCK_ENDPOINT: emulator.url };
    emulator.reset();
    emulator.setFaults({ throttleRate: 0, errorRate: 0 });
    const indexed = await kb(['index', data], cwd, env);
    expect(indexed.code, indexed.stderr).toBe(0);
    // Dozens of requests in flight on one run signal used to add an abort listener each.
    expect(indexed.stderr).not.toMatch(/MaxListenersExceededWarning/);
    expect(indexed.stderr).not.toMatch(/Warning/);

    emulator.reset();
    emulator.setFaults({ throttleRate: 0.3 });
    const queries = Array.from({ length: 20 }, (_, i) => ['notice period', 'paid time off', 'laptop replacement', 'travel booking', 'security policy'][i % 5]!);
    const results: Ran[] = [];
    // Four processes at a time: two cores.
    for (let i = 0; i < queries.length; i += 4) results.push(...(await Promise.all(queries.slice(i, i + 4).map((q) => kb(['search', q, '--json'], cwd, env)))));
    emulator.setFaults({ throttleRate: 0 });
    const failed = results.filter((r) => r.code !== 0);
    expect(failed.map((r) => r.stderr), 'failed searches').toEqual([]);
    // Each search embedded its query once successfully; the throttled attempts were retried, not dropped.
    const invokes = emulator.requests.filter((r) => r.route === 'invoke');
    expect(invokes.filter((r) => r.status === 200)).toHaveLength(20);
    expect(emulator.stats.throttled).toBeGreaterThan(0);
    expect(invokes).toHaveLength(20 + emulator.stats.throttled);
  }, 180_000);

  it('stops at the first connection error when the endpoint is down: 0 indexed, $0, the error once, naming KB_BEDROCK_ENDPOINT', async () => {
    const data = copyOfData();
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const ran = await kb(['index', data, '--json'], dirname(data), { ...credentials, KB_BEDROCK_ENDPOINT: endpoint, KB_BEDROCK_MAX_ATTEMPTS: '2' });
    expect(ran.code).toBe(3);
    const summary = JSON.parse(ran.stdout) as { files: { new: number; changed: number }; embeddingTokens: number; estimatedCostUsd?: number; failures: Array<{ reason: string }>; stoppedEarly?: string };
    expect(summary.files.new + summary.files.changed).toBe(0);
    expect(summary.embeddingTokens).toBe(0);
    expect(summary.estimatedCostUsd ?? 0).toBe(0);
    expect(summary.failures.length).toBeLessThanOrEqual(1);
    expect(summary.stoppedEarly).toContain(`Cannot reach the endpoint ${endpoint} (KB_BEDROCK_ENDPOINT)`);
    expect(summary.stoppedEarly).not.toMatch(/pending stream has been canceled/);

    const text = await kb(['index', data], dirname(data), { ...credentials, KB_BEDROCK_ENDPOINT: endpoint, KB_BEDROCK_MAX_ATTEMPTS: '2' });
    expect(text.stdout).toMatch(/^Indexed 0 of \d+ files/);
    expect(text.stdout).not.toMatch(/about \$0\.0*[1-9]/);
  }, 120_000);

  it('stops at the first authentication error without credentials: 0 indexed and one clear message', async () => {
    const data = copyOfData();
    emulator.reset();
    const ran = await kb(['index', data, '--json'], dirname(data), { KB_BEDROCK_ENDPOINT: emulator.url, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(ran.code).toBe(3);
    const summary = JSON.parse(ran.stdout) as { files: { new: number }; estimatedCostUsd?: number; failures: unknown[]; stoppedEarly?: string };
    expect(summary.files.new).toBe(0);
    expect(summary.estimatedCostUsd ?? 0).toBe(0);
    expect(summary.failures.length).toBeLessThanOrEqual(1);
    expect(summary.stoppedEarly).toMatch(/No AWS credentials found/);
    expect(emulator.stats.requests).toBe(0);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { MODEL_CATALOG } from '../src/models/model-catalog.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { tempDir } from './temp-dir.js';

useFakeAwsCredentials();

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator?.close());

async function kb(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, env, cwd: tempDir() });
  return { code, stdout, stderr };
}

interface Row {
  id: string;
  configured: string[];
  available?: boolean;
  viaProfile?: string;
  inputPer1k?: number;
}

describe('kb models', () => {
  it('offline: lists the whole catalogue with prices and marks the configured embedder', async () => {
    const ran = await kb(['models', '--json'], {});
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as { provider: string; models: Row[] };
    expect(out.models.map((m) => m.id)).toEqual(MODEL_CATALOG.map((m) => m.id));
    expect(out.models.find((m) => m.id === 'local-hash-v1')).toMatchObject({ configured: ['embedding'] });
    expect(out.models.find((m) => m.id === 'amazon.nova-micro-v1:0')).toMatchObject({ inputPer1k: 0.000035 });
    expect(out.models.some((m) => 'available' in m)).toBe(false);
    const table = await kb(['models'], {});
    expect(table.stdout).toMatch(/^\* local-hash-v1\s+embedding/m);
  });

  it('on Bedrock asks the account (through the emulator) and marks a configured model missing in the region', async () => {
    emulator.reset();
    const env = { KB_PROVIDER: 'bedrock', AWS_REGION: 'sa-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_CHAT_MODEL: 'amazon.nova-micro-v1:0' };
    const ran = await kb(['models', '--json'], env);
    expect(ran.code, ran.stderr).toBe(0);
    const out = JSON.parse(ran.stdout) as { region: string; models: Row[] };
    expect(out.region).toBe('sa-east-1');
    const byId = new Map(out.models.map((m) => [m.id, m]));
    expect(byId.get('amazon.nova-micro-v1:0')).toMatchObject({ configured: ['answer'], available: false });
    expect(byId.get('amazon.titan-embed-text-v2:0')).toMatchObject({ configured: ['embedding'], available: true });
    // Offered in sa-east-1 only through the global profile.
    expect(byId.get('anthropic.claude-sonnet-4-20250514-v1:0')).toMatchObject({ available: true, viaProfile: 'global.anthropic.claude-sonnet-4-20250514-v1:0' });
    const table = await kb(['models'], env);
    expect(table.stdout).toMatch(/^\* amazon\.nova-micro-v1:0\s+chat\s+128k ctx\s+\S+\s+not in sa-east-1$/m);
  });

  it('in us-east-1 the same models are available, in-region or through a us. profile', async () => {
    const ran = await kb(['models', '--json'], { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url });
    const out = JSON.parse(ran.stdout) as { models: Row[] };
    const unavailable = out.models.filter((m) => m.available === false).map((m) => m.id);
    // Bedrock Rerank is not offered in us-east-1.
    expect(unavailable).toEqual(['amazon.rerank-v1:0', 'cohere.rerank-v3-5:0']);
    expect(out.models.find((m) => m.id === 'anthropic.claude-3-7-sonnet-20250219-v1:0')).toMatchObject({ viaProfile: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0' });
  });
});

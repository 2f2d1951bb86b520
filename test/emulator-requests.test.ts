import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import type { RecordedRequest } from '../src/emulator/emulator-stats.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

let emulator: Emulator;
let clock = Date.UTC(2026, 0, 2, 3, 4, 5);
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, maxServedRequests: 3, now: () => clock });
});
afterAll(() => emulator.close());

const served = async () => ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: RecordedRequest[] }).requests;

describe('GET /_emulator/requests', () => {
  it('returns the bodies that reached "Bedrock", with path and time, the most recent few only', async () => {
    const sdk = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 });
    for (const text of ['one', 'two', 'three', 'four']) {
      await sdk.send(new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', body: JSON.stringify({ inputText: text }) }));
      clock += 1000;
    }
    const requests = await served();
    expect(requests.map((r) => (r.body as { inputText: string }).inputText)).toEqual(['two', 'three', 'four']);
    expect(requests[0]).toMatchObject({ route: 'invoke', path: '/model/amazon.titan-embed-text-v2%3A0/invoke', at: '2026-01-02T03:04:06.000Z', status: 200, auth: 'sigv4' });
    // A body that is not JSON is kept as its text, so a reviewer sees exactly what was sent.
    await fetch(`${emulator.url}/model/amazon.titan-embed-text-v2:0/invoke`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: 'not json' });
    expect((await served()).at(-1)).toMatchObject({ body: 'not json', status: 400 });
    emulator.reset();
    expect(await served()).toEqual([]);
  });
});

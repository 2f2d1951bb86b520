import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import { authenticateRequest } from '../src/bedrock-kb-api/authenticate-request.js';
import { kbApiKeysFromStore } from '../src/keys/kb-api-keys-from-store.js';
import { keyStorePaths } from '../src/keys/key-store-paths.js';
import { openKeyStore } from '../src/keys/key-store.js';
import { memoryCtx } from './server-fixture.js';
import { runCli } from '../src/cli/run-cli.js';
import { tempDir } from './temp-dir.js';

it('kb keys create prints the key once; the file holds only its hash; list never shows it', async () => {
  const dir = tempDir();
  const kbDir = join(dir, '.kb');
  const created = memoryCtx(dir);
  expect(await runCli(['keys', 'create', 'hr-bot', '--collection', 'hr', '--role', 'reader', '--kb-dir', kbDir, '--json'], created)).toBe(0);
  const { key, scopes } = JSON.parse(created.out.join('')) as { key: string; scopes: Record<string, string> };
  expect(scopes).toEqual({ hr: 'reader' });
  expect(key).toMatch(/^kb_[\w-]{43}$/);
  const { file, secretFile } = keyStorePaths(kbDir);
  expect(readFileSync(file, 'utf8')).not.toContain(key);
  expect(statSync(file).mode & 0o077).toBe(0);
  expect(statSync(secretFile).mode & 0o077).toBe(0);
  const listed = memoryCtx(dir);
  await runCli(['keys', 'list', '--kb-dir', kbDir, '--json'], listed);
  expect(listed.out.join('')).not.toContain(key);
  expect(JSON.parse(listed.out.join('')).keys).toEqual([expect.objectContaining({ name: 'hr-bot', scopes: { hr: 'reader' } })]);
  expect(JSON.parse(listed.out.join('')).keys[0]).not.toHaveProperty('sha256');

  const server = openKeyStore(keyStorePaths(kbDir));
  expect(server.authenticate(key)).toEqual({ name: 'hr-bot', scopes: { hr: 'reader' }, access: [] });
  expect(server.secretFor('hr-bot')).toBe(key);
  expect(server.authenticate(`${key}x`)).toBeUndefined();
});

it('a key revoked by kb keys is refused by a running server at once (bearer and SigV4)', async () => {
  const dir = tempDir();
  const kbDir = join(dir, '.kb');
  const server = openKeyStore(keyStorePaths(kbDir));
  const { key } = openKeyStore(keyStorePaths(kbDir)).create({ name: 'ops', scopes: { '*': 'admin' } });
  const keys = kbApiKeysFromStore(server);
  const signed = async () => {
    const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials: { accessKeyId: 'ops', secretAccessKey: key }, sha256: NodeSha256 });
    const body = JSON.stringify({ retrievalQuery: { text: 'x' } });
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: '/knowledgebases/default/retrieve', headers: { host: '127.0.0.1', 'content-type': 'application/json' }, body });
    return { method: 'POST', url: '/knowledgebases/default/retrieve', headers: req.headers, body: Buffer.from(body) };
  };
  expect(await authenticateRequest(await signed(), keys)).toEqual({ name: 'ops', scopes: { '*': 'admin' }, access: [] });
  expect(server.authenticate(key)?.name).toBe('ops');

  const ctx = memoryCtx(dir);
  expect(await runCli(['keys', 'revoke', 'ops', '--kb-dir', kbDir], ctx)).toBe(0);
  // The last key revoked: auth stays on and refuses, rather than turning off.
  expect(keys.enabled).toBe(true);
  expect(server.authenticate(key)).toBeUndefined();
  await expect(authenticateRequest(await signed(), keys)).rejects.toMatchObject({ type: 'UnrecognizedClientException' });
  const again = memoryCtx(dir);
  expect(await runCli(['keys', 'revoke', 'ops', '--kb-dir', kbDir], again)).toBe(1);
});

it('refuses a key without collections and a name that cannot be an access key id', async () => {
  const dir = tempDir();
  const ctx = memoryCtx(dir);
  expect(await runCli(['keys', 'create', 'x', '--kb-dir', join(dir, '.kb')], ctx)).toBe(1);
  expect(ctx.err.join('')).toMatch(/--collection/);
  const store = openKeyStore(keyStorePaths(join(dir, '.kb')));
  expect(() => store.create({ name: 'bad name/slash', scopes: { hr: 'reader' } })).toThrow(/access key id/);
});

/** SHA-256 and HMAC in the shape the Smithy signer takes, over node:crypto. */
class NodeSha256 {
  private hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : new Uint8Array(ArrayBuffer.isView(secret) ? secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength) : secret));
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

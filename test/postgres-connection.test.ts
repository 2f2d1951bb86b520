import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { UsageError } from '../src/errors.js';
import { connectionOptions } from '../src/store/postgres/connection-options.js';
import { FAKE_ACCESS_KEY_ID, useFakeAwsCredentials } from './fake-aws-credentials.js';
import { tempDir } from './temp-dir.js';

// How store.ssl and store.iamAuth reach the pg driver: TLS options, and an RDS IAM token signed by the real
// @aws-sdk/rds-signer (signing is offline; no AWS call is made).
beforeAll(() => useFakeAwsCredentials());

const storeConfig = (env: Record<string, string>, cwd = tempDir('kb-pgconn-')) => loadConfig({ cwd, env }).store;

describe('PostgreSQL connection options from configuration', () => {
  it('signs an RDS IAM token for the URL\'s host, port and user on every call, and turns TLS on', async () => {
    const store = storeConfig({ KB_DATABASE_URL: 'postgres://kb_reader@kb.cluster-abc.eu-west-1.rds.amazonaws.com:5433/kb', KB_DATABASE_IAM_REGION: 'eu-west-1' });
    const options = await connectionOptions(store);
    expect(options.ssl).toBe(true);
    expect(typeof options.password).toBe('function');
    const token = await (options.password as () => Promise<string>)();
    const url = new URL(`https://${token}`);
    expect(url.host).toBe('kb.cluster-abc.eu-west-1.rds.amazonaws.com:5433');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('kb_reader');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${FAKE_ACCESS_KEY_ID}/\\d{8}/eu-west-1/rds-db/aws4_request$`));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses IAM authentication without a user, or with a password in the URL, naming the fix', async () => {
    await expect(connectionOptions(storeConfig({ KB_DATABASE_URL: 'postgres://db.example.com/kb', KB_DATABASE_IAM_REGION: 'us-west-2' }))).rejects.toThrow(/needs the database user in store\.url/);
    await expect(connectionOptions(storeConfig({ KB_DATABASE_URL: 'postgres://u:secret@db.example.com/kb', KB_DATABASE_IAM_REGION: 'us-west-2' }))).rejects.toBeInstanceOf(UsageError);
  });

  it('verifies TLS against a CA bundle file, and says which file it cannot read', async () => {
    const dir = tempDir('kb-pgca-');
    const ca = join(dir, 'global-bundle.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const options = await connectionOptions(storeConfig({ KB_DATABASE_URL: 'postgres://u@db.example.com/kb', KB_DATABASE_SSL: ca }));
    expect(options.ssl).toEqual({ ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', rejectUnauthorized: true });
    expect(options.password).toBeUndefined();
    await expect(connectionOptions(storeConfig({ KB_DATABASE_URL: 'postgres://u@db.example.com/kb', KB_DATABASE_SSL: join(dir, 'missing.pem') }))).rejects.toThrow(/store\.ssl\.caFile: cannot read .*missing\.pem \(ENOENT\)/);
    expect((await connectionOptions(storeConfig({ KB_DATABASE_URL: 'postgres://u@db.example.com/kb', KB_DATABASE_SSL: 'true' }))).ssl).toBe(true);
    expect((await connectionOptions(storeConfig({ KB_DATABASE_URL: 'postgres://u@db.example.com/kb' }))).ssl).toBeUndefined();
  });
});

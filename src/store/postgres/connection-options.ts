import { readFileSync } from 'node:fs';
import type { KbConfig } from '../../config.js';
import { UsageError } from '../../errors.js';
import type { PostgresStoreOptions } from './postgres-store.js';

/**
 * pg connection options from `store`: TLS (true, or a CA bundle file such as the RDS one) and, with
 * `iamAuth`, a password function that signs an RDS IAM auth token (SigV4, offline, with the default AWS
 * credential chain) for the URL's host, port and user each time pg opens a connection; tokens last 15 minutes,
 * connections outlive them, as RDS allows.
 */
export async function connectionOptions(store: KbConfig['store']): Promise<Omit<PostgresStoreOptions, 'url'>> {
  const options: Omit<PostgresStoreOptions, 'url'> = { maxConnections: store.maxConnections };
  if (store.ssl !== undefined) options.ssl = typeof store.ssl === 'boolean' ? store.ssl : { ca: readCa(store.ssl.caFile), rejectUnauthorized: store.ssl.rejectUnauthorized };
  if (store.iamAuth) {
    const url = new URL(store.url!);
    const username = decodeURIComponent(url.username);
    if (!username) throw new UsageError('store.iamAuth needs the database user in store.url (postgres://USER@host:5432/db): the IAM token is signed for that user.');
    if (url.password) throw new UsageError('store.url has a password and store.iamAuth is on: remove the password from the URL, the IAM token replaces it.');
    const { Signer } = await import('@aws-sdk/rds-signer');
    const signer = new Signer({ hostname: url.hostname, port: Number(url.port || 5432), username, region: store.iamAuth.region });
    options.password = () => signer.getAuthToken();
    // RDS requires TLS for IAM authentication.
    options.ssl ??= true;
  }
  return options;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`store.ssl.caFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Download the certificate bundle and point caFile (env KB_DATABASE_SSL) at it.`);
  }
}

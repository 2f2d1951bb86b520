import type { KbConfig } from '../config.js';
import type { KbStore } from './kb-store.js';
import { openSqliteKbStore } from './sqlite-kb-store.js';
import type { PostgresStoreOptions } from './postgres/postgres-store.js';

/**
 * The configured store: PostgreSQL + pgvector when store.url (KB_DATABASE_URL) is set, else the embedded
 * SQLite store in kbDir (`readonly`: opened without writing, for readers). The Postgres driver is loaded only when used. `ssl` and `password` reach pg as
 * given (a password function is how RDS IAM tokens are supplied).
 */
export async function openKbStore(
  config: Pick<KbConfig, 'kbDir' | 'store'>,
  { readonly = false, ...connection }: Pick<PostgresStoreOptions, 'ssl' | 'password' | 'maxConnections'> & { readonly?: boolean } = {},
): Promise<KbStore> {
  if (!config.store.url) return openSqliteKbStore(config.kbDir, { readonly });
  const { openPostgresStore } = await import('./postgres/postgres-store.js');
  return openPostgresStore({ url: config.store.url, ...connection });
}

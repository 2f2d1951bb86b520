import type { KbConfig } from '../config.js';
import type { KbStore } from './kb-store.js';
import { openSqliteKbStore } from './sqlite-kb-store.js';
import type { PostgresStoreOptions } from './postgres/postgres-store.js';

/**
 * The configured store: PostgreSQL + pgvector when store.url (KB_DATABASE_URL) is set, else the embedded
 * SQLite store in kbDir. The Postgres driver is loaded only when used. `ssl` and `password` reach pg as
 * given (a password function is how RDS IAM tokens are supplied).
 */
export async function openKbStore(config: Pick<KbConfig, 'kbDir' | 'store'>, connection: Pick<PostgresStoreOptions, 'ssl' | 'password' | 'maxConnections'> = {}): Promise<KbStore> {
  if (!config.store.url) return openSqliteKbStore(config.kbDir);
  const { openPostgresStore } = await import('./postgres/postgres-store.js');
  return openPostgresStore({ url: config.store.url, ...connection });
}

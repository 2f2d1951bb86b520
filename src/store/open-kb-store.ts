import type { KbConfig } from '../config.js';
import type { KbStore } from './kb-store.js';
import { openSqliteKbStore } from './sqlite-kb-store.js';

/**
 * The configured store: PostgreSQL + pgvector when store.url (KB_DATABASE_URL) is set, with the TLS and IAM
 * settings of `store` (see connectionOptions), else the embedded SQLite store in kbDir (`readonly`: opened
 * without writing, for readers). The Postgres driver is loaded only when used.
 */
export async function openKbStore(config: Pick<KbConfig, 'kbDir' | 'store'>, { readonly = false }: { readonly?: boolean } = {}): Promise<KbStore> {
  if (!config.store.url) return openSqliteKbStore(config.kbDir, { readonly });
  const [{ openPostgresStore }, { connectionOptions }] = await Promise.all([import('./postgres/postgres-store.js'), import('./postgres/connection-options.js')]);
  return openPostgresStore({ url: config.store.url, ...(await connectionOptions(config.store)) });
}

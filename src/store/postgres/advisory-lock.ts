import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { LockedError } from '../../errors.js';

const LOCK_KEY = "hashtextextended('bedrock-kb writer ' || current_schema(), 0)";

/**
 * One writer per knowledge base: a session advisory lock held on a dedicated connection (PostgreSQL releases
 * it if the process dies), and a `writer` row naming the holder for the refusal. A proxy that multiplexes
 * clients onto one backend (PGlite's socket server) makes advisory locks re-entrant across clients, so a
 * row written by another client on this same backend also counts as held. Behind PgBouncer, connect the
 * writer in session mode.
 */
export async function acquireWriterLock(pool: Pool, where: string, { wait = false, signal }: { wait?: boolean; signal?: AbortSignal } = {}): Promise<() => Promise<void>> {
  const token = randomUUID();
  for (;;) {
    signal?.throwIfAborted();
    const client = await pool.connect();
    let keep = false;
    try {
      const got = await tryLock(client, token);
      if (got === true) {
        keep = true;
        return once(async () => {
          try {
            await client.query('DELETE FROM writer WHERE token = $1', [token]);
            await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
          } finally {
            client.release();
          }
        });
      }
      if (!wait) throw new LockedError(`advisory lock of ${where}, held by ${got.holder} since ${got.since}`, got.pid);
    } finally {
      if (!keep) client.release();
    }
    await sleep(250, undefined, signal ? { signal } : undefined);
  }
}

/** The holder of the writer lock, if a live session holds it. */
export async function writerHolder(pool: Pool): Promise<string | undefined> {
  const { rows } = await pool.query<{ holder: string }>(
    `SELECT w.holder FROM writer w WHERE EXISTS (
       SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.classid::bigint = ((${LOCK_KEY} >> 32) & 4294967295) AND l.objid::bigint = (${LOCK_KEY} & 4294967295))`,
  );
  return rows[0]?.holder;
}

async function tryLock(client: PoolClient, token: string): Promise<true | { holder: string; pid: number; since: string }> {
  const { rows } = await client.query<{ ok: boolean; backend_pid: number; backend_start: Date | null }>(
    `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok, pg_backend_pid() AS backend_pid, (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS backend_start`,
  );
  const me = rows[0]!;
  const current = await client.query<{ holder: string; pid: number; since: string; token: string; backend_pid: number; backend_start: Date | null }>('SELECT * FROM writer WHERE id = 1');
  const row = current.rows[0];
  const sameBackend = row && row.backend_pid === me.backend_pid && row.backend_start?.getTime() === me.backend_start?.getTime();
  // On a shared backend a crashed holder's lock is never released; on this host, a dead pid gives it away.
  const deadHere = row && row.holder === `pid ${row.pid} on ${hostname()}` && !isAlive(row.pid);
  if (!me.ok || (row && sameBackend && row.token !== token && !deadHere)) {
    if (me.ok) await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
    return row ? { holder: row.holder, pid: row.pid, since: row.since } : { holder: 'another session (starting up)', pid: 0, since: new Date().toISOString() };
  }
  // The lock is ours; a row left by a session that died is stale and replaced.
  await client.query(
    `INSERT INTO writer (id, holder, pid, token, backend_pid, backend_start, since) VALUES (1, $1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, pid = EXCLUDED.pid, token = EXCLUDED.token, backend_pid = EXCLUDED.backend_pid,
       backend_start = EXCLUDED.backend_start, since = EXCLUDED.since`,
    [`pid ${process.pid} on ${hostname()}`, process.pid, token, me.backend_pid, me.backend_start, new Date().toISOString()],
  );
  return true;
}

function once(release: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= release());
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// npm run postgres:dev -- [--port 5433] [--data-dir DIR] — PostgreSQL with pgvector in-process (PGlite), for
// trying the Postgres store without installing PostgreSQL. Prints the URL for KB_DATABASE_URL; Ctrl+C stops.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startPgliteServer } from './pglite-server.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5433' }, 'data-dir': { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number (0-65535), not "${values.port}".\n`);
  process.exit(1);
}
const dataDir = values['data-dir'] ? resolve(values['data-dir']) : undefined;
const server = await startPgliteServer({ port, ...(dataDir ? { dataDir } : {}) });
process.stdout.write(
  `PostgreSQL + pgvector (PGlite) listening; data ${dataDir ?? 'in memory (gone when this stops)'}.\n` +
    `KB_DATABASE_URL=${server.url}\n`,
);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void server.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

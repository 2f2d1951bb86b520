import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

const SCRIPT = resolve(import.meta.dirname, '..', 'dist', 'scripts', 'postgres-dev.js');

it('npm run postgres:dev serves PostgreSQL with pgvector on the port it prints, keeps data in --data-dir, stops on SIGINT', async () => {
  const dataDir = join(tempDir('kb-pgdev-'), 'data');
  const child = spawn(process.execPath, [SCRIPT, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /KB_DATABASE_URL=(postgres:\/\/\S+)/.exec(out);
        if (m) resolveUrl(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`postgres:dev exited ${code}: ${out}`)));
    });
    expect(out).toContain(dataDir);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    const { rows } = await client.query<{ d: number }>("SELECT '[1,0]'::vector <=> '[0,1]'::vector AS d");
    expect(rows[0]!.d).toBeCloseTo(1, 6);
    await client.end();
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  }
});

it('refuses a port that is not a number', async () => {
  const child = spawn(process.execPath, [SCRIPT, '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  expect(err).toContain('--port must be a port number');
});

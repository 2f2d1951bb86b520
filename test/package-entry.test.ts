import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseApiKeys } from '../src/server/api-keys.js';
import { indexedKb, type KbFixture, type Served, serve } from './server-fixture.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const KEY = 'reader-key-0123456789abcdef';

let kb: KbFixture;
let served: Served;
beforeAll(async () => {
  kb = await indexedKb();
  served = await serve(kb, { apiKeys: parseApiKeys(`ci:reader:${KEY}`) });
}, 120_000);
afterAll(async () => {
  await served?.close();
  await kb?.close();
});

/**
 * The consumer's lockfile: bedrock-kb from the tarball, its dependencies pinned as the project's lockfile has
 * them, so `npm ci --offline` installs from the cache `npm ci` filled and never asks the registry.
 */
function consumerLock(tarball: string): unknown {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { 'bedrock-kb': 'file:bedrock-kb.tgz' } },
    'node_modules/bedrock-kb': { version: pkg.version, resolved: 'file:bedrock-kb.tgz', integrity, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev || entry.link) continue;
    // Without `resolved` npm would fetch the package's metadata to find the tarball; the cache holds the tarball by integrity.
    const name = (entry.name as string | undefined) ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[path] = { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${String(entry.version)}.tgz`, ...entry };
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

it('the packed tarball installs into another project, where `import { KbRetriever } from "bedrock-kb"` type-checks and retrieves', async () => {
  // dist/ (JavaScript) is built by the global setup; the declarations of the package entry are built here.
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.types.json'], { cwd: ROOT, timeout: 120_000 });
  const consumer = tempDir('kb-consumer-');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], { cwd: ROOT, timeout: 120_000 });
  const tarball = join(consumer, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
  await run('mv', [tarball, join(consumer, 'bedrock-kb.tgz')]);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'bedrock-kb': 'file:bedrock-kb.tgz' } }));
  writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(consumerLock(join(consumer, 'bedrock-kb.tgz'))));
  await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: consumer, timeout: 240_000 });

  writeFileSync(join(consumer, 'use.ts'), [
    "import { KbRetriever, type KbDocumentMetadata } from 'bedrock-kb';",
    'const retriever = new KbRetriever({ url: process.argv[2]!, apiKey: process.argv[3]!, k: 2 });',
    'const docs = await retriever.invoke("How long is the notice period?");',
    'const first: KbDocumentMetadata = docs[0]!.metadata;',
    'console.log(JSON.stringify({ count: docs.length, path: first.path, score: first.score, text: docs[0]!.pageContent }));',
  ].join('\n'));
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noUncheckedIndexedAccess: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], outDir: 'out' },
    files: ['use.ts'],
  }));
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer, timeout: 120_000 });
  const { stdout } = await run(process.execPath, [join(consumer, 'out', 'use.js'), served.url, KEY], { cwd: consumer, timeout: 60_000 });
  const result = JSON.parse(stdout) as { count: number; path: string; score: number; text: string };
  expect(result.count).toBe(2);
  expect(result.path).toMatch(/^data\/hr\//);
  expect(result.score).toBeGreaterThan(0);
}, 360_000);

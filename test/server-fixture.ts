import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Answerer } from '../src/answer/answerer.js';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { type KnowledgeBase, openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import type { CliContext } from '../src/cli/cli-context.js';
import { runCli } from '../src/cli/run-cli.js';
import { loadConfig, type LoadedConfig } from '../src/config.js';
import { createKnowledgeBaseApp, type KnowledgeBaseAppOptions } from '../src/server/knowledge-base-app.js';
import { startServer } from '../src/server/start-server.js';
import { DATA_DIR } from './temp-dir.js';

/** A CLI context that keeps what a command prints. */
export function memoryCtx(cwd: string, signal?: AbortSignal): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {}, cwd, ...(signal ? { signal } : {}) };
}

export async function indexWithCli(folder: string, kbDir: string, cwd: string): Promise<void> {
  const ctx = memoryCtx(cwd);
  const code = await runCli(['index', folder, '--kb-dir', kbDir, '--json'], ctx);
  if (code !== 0) throw new Error(`kb index exited ${code}: ${ctx.err.join('')}${ctx.out.join('')}`);
}

export interface KbFixture {
  dir: string;
  dataDir: string;
  kbDir: string;
  config: LoadedConfig;
  kb: KnowledgeBase;
  close(): Promise<void>;
}

/**
 * A copy of the sample data (edited by `prepare`, if given) indexed offline into its own kb dir, opened. Its own temp folder (not tempDir()):
 * a suite shares it across tests, and tempDir() folders go after each test.
 */
export async function indexedKb(env: Record<string, string> = {}, prepare?: (dataDir: string) => void): Promise<KbFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'kb-server-'));
  const dataDir = join(dir, 'data');
  cpSync(DATA_DIR, dataDir, { recursive: true });
  prepare?.(dataDir);
  const kbDir = join(dir, '.kb');
  await indexWithCli(dataDir, kbDir, dir);
  const config = loadConfig({ cwd: dir, env, flags: { kbDir, roots: [dataDir] } });
  const kb = await openKnowledgeBase(config);
  return {
    dir, dataDir, kbDir, config, kb,
    close: async () => {
      await kb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServeOptions extends Partial<Omit<KnowledgeBaseAppOptions, 'config' | 'kb'>> {
  server?: Partial<LoadedConfig['server']>;
  env?: Partial<LoadedConfig['env']>;
}

export interface Served {
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

/** The app by its factory on an ephemeral loopback port; close() stops app and server (not the kb). */
export async function serve(fixture: KbFixture, { server, env, answerer = createExtractiveAnswerer(), logger = pino({ level: 'silent' }), ...rest }: ServeOptions = {}): Promise<Served> {
  const config: LoadedConfig = { ...fixture.config, server: { ...fixture.config.server, ...server }, env: { ...fixture.config.env, ...env } };
  const app = createKnowledgeBaseApp({ config, kb: fixture.kb, answerer: answerer as Answerer, logger, ...rest });
  const running = await startServer({ app: app.app, host: '127.0.0.1', port: 0, authEnabled: app.authEnabled });
  return {
    url: running.url,
    logger,
    close: async () => {
      await app.close();
      await running.close(1000);
    },
  };
}

import { Writable } from 'node:stream';
import { createAnswerer } from '../../answer/create-answerer.js';
import { createCatalog, DEFAULT_COLLECTION } from '../../collections/collection-catalog.js';
import { kbServiceOverOpenKb } from '../../collections/kb-service-over-open-kb.js';
import { UsageError } from '../../errors.js';
import { runMcpStdio } from '../../mcp/run-mcp-stdio.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { openKnowledgeBase } from '../../app/open-knowledge-base.js';

const VERSION = '0.1.0';

/**
 * `kb mcp`: the knowledge base as an MCP server on stdin/stdout, for a desktop assistant or an agent that
 * starts it. Stdout carries only protocol messages; anything else goes to stderr.
 */
export const run: CommandRun = async (_args, options, ctx) => {
  if (!ctx.stdin) throw new UsageError('kb mcp talks MCP on standard input; run it from an MCP client.');
  const config = await configFor(ctx, options);
  const kb = await openKnowledgeBase(config, { readonly: true });
  try {
    const answerer = await createAnswerer(config);
    const service = kbServiceOverOpenKb({ kb, answerer, minCoverage: config.retrieval.minCoverage });
    const catalog = createCatalog([{ name: DEFAULT_COLLECTION, service }]);
    const stdout = ctx.stdout instanceof Writable ? ctx.stdout : new Writable({ write: (chunk, _e, done) => { ctx.stdout.write(String(chunk)); done(); } });
    await runMcpStdio({ catalog, stdin: ctx.stdin as NodeJS.ReadableStream as import('node:stream').Readable, stdout, version: VERSION }, ctx.signal);
    return 0;
  } finally {
    await kb.close();
  }
};

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../store/sqlite-store.js';
import { lockHolder } from '../../store/index-lock.js';
import type { CommandRun } from '../cli-context.js';
import { configFor, requireKb } from '../open-kb.js';
import { escapeTerminal } from '../escape-terminal.js';

export const run: CommandRun = async (_args, options, ctx) => {
  const config = configFor(ctx, options);
  requireKb(config.kbDir);
  const store = openStore(config.kbDir, { readonly: true });
  try {
    const counts = store.counts();
    const bytes = readdirSync(config.kbDir).reduce((n, f) => n + statSync(join(config.kbDir, f)).size, 0);
    const status = {
      kbDir: config.kbDir,
      documents: counts.documents,
      chunks: counts.chunks,
      storedVectors: counts.vectors,
      chunkTokens: counts.tokens,
      bytesOnDisk: bytes,
      embeddingModel: store.getMeta('embed_model') ?? null,
      embeddingDimensions: Number(store.getMeta('embed_dimensions') ?? 0) || null,
      provider: config.provider,
      lastRun: store.lastRun() ?? null,
      indexingNow: lockHolder(config.kbDir) ?? null,
    };
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const run = status.lastRun;
    const s = run?.summary as { files?: { seen: number; new: number; changed: number; deleted: number }; failures?: unknown[] } | undefined;
    ctx.stdout.write(escapeTerminal(
      [
        `Knowledge base: ${status.kbDir}`,
        `  documents: ${status.documents}`,
        `  chunks:    ${status.chunks} (about ${status.chunkTokens.toLocaleString('en-US')} tokens)`,
        `  on disk:   ${(bytes / 1048576).toFixed(2)} MB`,
        `  embedding: ${status.embeddingModel ? `${status.embeddingModel} (${status.embeddingDimensions} dimensions)` : 'none yet'}`,
        `  last run:  ${run ? `${run.finishedAt ?? run.startedAt} ${run.status}${s?.files ? `: ${s.files.seen} files, ${s.files.new} new, ${s.files.changed} changed, ${s.files.deleted} deleted${s.failures?.length ? `, ${s.failures.length} failed` : ''}` : ''}` : 'never'}`,
        ...(status.indexingNow ? [`  indexing now: pid ${status.indexingNow}`] : []),
      ].join('\n') + '\n',
    ));
    return 0;
  } finally {
    store.close();
  }
};

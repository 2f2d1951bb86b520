import { openKnowledgeBaseStore } from '../../app/open-knowledge-base.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { escapeTerminal } from '../escape-terminal.js';
import { groupThousands } from '../../text/group-thousands.js';

export const run: CommandRun = async (_args, options, ctx) => {
  const config = await configFor(ctx, options);
  const { store, location } = await openKnowledgeBaseStore(config, { readonly: true });
  try {
    const [stats, info, lastRun] = await Promise.all([store.stats(), store.indexInfo(), store.lastRun()]);
    const bytes = stats.bytes;
    const status = {
      kbDir: config.kbDir,
      store: config.store.url ? 'postgres' : 'sqlite',
      location,
      documents: stats.documents,
      chunks: stats.chunks,
      storedVectors: stats.vectors,
      chunkTokens: stats.tokens,
      bytesOnDisk: bytes,
      embeddingModel: info.embedding?.model ?? null,
      embeddingDimensions: info.embedding?.dimensions ?? null,
      provider: config.provider,
      lastRun: lastRun ?? null,
      indexingNow: stats.writer ?? null,
    };
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const run = status.lastRun;
    const s = run?.summary as { files?: { seen: number; new: number; changed: number; deleted: number }; failures?: unknown[] } | undefined;
    ctx.stdout.write(escapeTerminal(
      [
        `Knowledge base: ${status.location}`,
        `  documents: ${status.documents}`,
        `  chunks:    ${status.chunks} (about ${groupThousands(status.chunkTokens)} tokens)`,
        `  ${config.store.url ? 'in database' : 'on disk:  '} ${(bytes / 1048576).toFixed(2)} MB`,
        `  embedding: ${status.embeddingModel ? `${status.embeddingModel} (${status.embeddingDimensions} dimensions)` : 'none yet'}`,
        `  last run:  ${run ? `${run.finishedAt ?? run.startedAt} ${run.status}${s?.files ? `: ${s.files.seen} files, ${s.files.new} new, ${s.files.changed} changed, ${s.files.deleted} deleted${s.failures?.length ? `, ${s.failures.length} failed` : ''}` : ''}` : 'never'}`,
        ...(status.indexingNow ? [`  indexing now: ${status.indexingNow}`] : []),
      ].join('\n') + '\n',
    ));
    return 0;
  } finally {
    await store.close();
  }
};

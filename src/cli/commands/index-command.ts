import { priceFor } from '../../config.js';
import { indexFolders } from '../../ingest/index-folders.js';
import type { IndexSummary } from '../../ingest/index-summary.js';
import { createEmbedder } from '../../models/create-embedder.js';
import { acquireIndexLock } from '../../store/index-lock.js';
import { openStore } from '../../store/sqlite-store.js';
import { UsageError } from '../../errors.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { createProgressReporter } from '../progress-reporter.js';

export const run: CommandRun = async (folders, options, ctx) => {
  const config = configFor(ctx, options, { 'chunking.targetTokens': options.chunkTokens });
  const roots = folders.length ? folders : config.roots;
  if (!roots.length) throw new UsageError('No folders to index. Pass them (kb index ./docs) or set "roots" in kb.config.json.');
  const embedder = await createEmbedder(config);
  const store = openStore(config.kbDir);
  const release = options.dryRun ? () => {} : await acquireIndexLock(config.kbDir, { wait: !!options.wait, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const runId = options.dryRun ? 0 : store.startRun();
  try {
    const price = config.provider === 'bedrock' ? priceFor(config, embedder.modelId) : undefined;
    const summary = await indexFolders({
      roots: roots.map((r) => (r.startsWith('/') ? r : `${ctx.cwd}/${r}`)),
      store,
      kbDir: config.kbDir,
      embedder,
      chunking: config.chunking,
      ingest: config.ingest,
      maxConcurrency: config.embedding.maxConcurrency,
      dryRun: !!options.dryRun,
      rebuild: !!options.rebuild,
      ...(price ? { pricePer1k: price.inputPer1k } : {}),
      onProgress: createProgressReporter(ctx, { enabled: !options.json && options.progress !== false }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const status = summary.stoppedEarly ? 'stopped' : summary.failures.length ? 'partial' : 'ok';
    if (!options.dryRun) store.finishRun(runId, status, summary);
    if (options.json) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else ctx.stdout.write(formatSummary(summary));
    if (summary.stoppedEarly === 'interrupted') return 130; // the shell's code for a run ended by Ctrl+C (128 + SIGINT)
    if (summary.stoppedEarly) return 3;
    return summary.failures.length || summary.stoppedEarly ? 2 : 0;
  } catch (error) {
    if (!options.dryRun) store.finishRun(runId, 'failed', { error: (error as Error).message });
    throw error;
  } finally {
    release();
    store.close();
  }
};

export function formatSummary(s: IndexSummary): string {
  const f = s.files;
  const lines: string[] = [];
  if (s.dryRun) {
    lines.push(`Dry run: nothing was changed.`);
    lines.push(`  files: ${f.new} new, ${f.changed} changed, ${f.deleted} deleted, ${f.unchanged} unchanged, ${f.skipped} skipped`);
    lines.push(`  chunks to embed: ${s.chunks.embedded} (${s.chunks.reused} reuse a stored vector), about ${s.embeddingTokens.toLocaleString('en-US')} tokens with ${s.embeddingModel}`);
    if (s.estimatedCostUsd !== undefined) lines.push(`  estimated embedding cost: $${s.estimatedCostUsd.toFixed(4)}`);
    for (const p of s.plan?.new ?? []) lines.push(`  + ${p}`);
    for (const p of s.plan?.changed ?? []) lines.push(`  ~ ${p}`);
    for (const p of s.plan?.deleted ?? []) lines.push(`  - ${p}`);
  } else {
    lines.push(`Indexed ${f.seen} files in ${(s.durationMs / 1000).toFixed(1)} s: ${f.new} new, ${f.changed} changed, ${f.deleted} deleted, ${f.unchanged} unchanged${f.copied ? ` (${f.copied} renamed or copied)` : ''}.`);
    lines.push(`  chunks: ${s.chunks.added} written, ${s.chunks.removed} removed, ${s.chunks.embedded} embedded, ${s.chunks.reused} reused from stored vectors`);
    if (s.embedStats.calls) lines.push(`  embedding: ${s.embedStats.calls} calls, ${s.embedStats.retries} retries, ${s.embedStats.throttles} throttled, ${s.embeddingTokens.toLocaleString('en-US')} tokens${s.estimatedCostUsd !== undefined ? `, about $${s.estimatedCostUsd.toFixed(4)}` : ''}`);
  }
  if (s.skipped.length) {
    lines.push(`Skipped ${s.skipped.length}:`);
    for (const k of s.skipped.slice(0, 20)) lines.push(`  ${k.path}: ${k.reason}`);
    if (s.skipped.length > 20) lines.push(`  … and ${s.skipped.length - 20} more (--json lists all)`);
  }
  if (s.warnings.length) {
    lines.push(`Warnings:`);
    for (const w of s.warnings) lines.push(`  ${w.path}: ${w.message}`);
  }
  if (s.failures.length) {
    lines.push(`Failed ${s.failures.length} (kept their previous version, retried next run):`);
    for (const e of s.failures) lines.push(`  ${e.path}: ${e.reason}`);
  }
  if (s.stoppedEarly) lines.push(`Stopped early: ${s.stoppedEarly}. What was committed is kept; run kb index again to continue.`);
  return `${lines.join('\n')}\n`;
}

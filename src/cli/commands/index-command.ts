import type { IndexSummary } from '../../ingest/index-summary.js';
import { openKnowledgeBaseStore } from '../../app/open-knowledge-base.js';
import { runIndex } from '../../app/run-index.js';
import { UsageError } from '../../errors.js';
import { createEmbedder } from '../../models/create-embedder.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { createProgressReporter } from '../progress-reporter.js';
import { escapeTerminal } from '../escape-terminal.js';
import { groupThousands } from '../../text/group-thousands.js';

export const run: CommandRun = async (folders, options, ctx) => {
  const config = await configFor(ctx, options, { 'chunking.targetTokens': options.chunkTokens });
  const roots = folders.length ? folders : config.roots;
  if (!roots.length) throw new UsageError('No folders to index. Pass them (kb index ./docs) or set "roots" in kb.config.json.');
  // A run needs the store and the embedder, not a retriever (as openKnowledgeBase would also build): made in
  // openKnowledgeBase's order, so a bad embedding setting is refused before a knowledge base is created.
  const embedder = await createEmbedder(config);
  const { store } = await openKnowledgeBaseStore(config, { create: true });
  try {
    const summary = await runIndex({ config, store, embedder }, {
      roots: roots.map((r) => (r.startsWith('/') ? r : `${ctx.cwd}/${r}`)),
      dryRun: !!options.dryRun,
      rebuild: !!options.rebuild,
      retryFailed: !!options.retryFailed,
      wait: !!options.wait,
      onProgress: createProgressReporter(ctx, {
        enabled: !options.json && options.progress !== false,
        ...(options.progressEvery ? { every: Number(options.progressEvery) } : {}),
      }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (options.json) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else ctx.stdout.write(escapeTerminal(formatSummary(summary)));
    if (summary.stoppedEarly && summary.stoppedEarly !== 'interrupted') return 3;
    if (summary.stoppedEarly === 'interrupted') return 130;
    // A dry run changes nothing, so nothing failed: files that would fail are listed, and the exit says the plan was made.
    if (summary.dryRun) return 0;
    return summary.failures.length ? 2 : 0;
  } finally {
    await store.close();
  }
};

export function formatSummary(s: IndexSummary): string {
  const f = s.files;
  const lines: string[] = [];
  if (s.dryRun) {
    lines.push(`Dry run: nothing was changed.`);
    lines.push(`  files: ${f.new} new, ${f.changed} changed, ${f.deleted} deleted, ${f.unchanged} unchanged, ${f.skipped} skipped${f.failed ? `, ${f.failed} would fail` : ''}`);
    lines.push(`  chunks to embed: ${s.chunks.embedded} (${s.chunks.reused} reuse a stored vector), about ${groupThousands(s.embeddingTokens)} tokens with ${s.embeddingModel}`);
    if (s.estimatedCostUsd !== undefined) lines.push(`  estimated embedding cost: $${s.estimatedCostUsd.toFixed(4)}`);
    for (const p of s.plan?.new ?? []) lines.push(`  + ${p}`);
    for (const p of s.plan?.changed ?? []) lines.push(`  ~ ${p}`);
    for (const p of s.plan?.deleted ?? []) lines.push(`  - ${p}`);
  } else {
    // A run stopped by a model failure says how many files it actually got through, not how many it saw.
    const stopped = s.stoppedEarly && s.stoppedEarly !== 'interrupted';
    lines.push(`Indexed ${stopped ? `${f.new + f.changed} of ${f.seen}` : f.seen} files in ${(s.durationMs / 1000).toFixed(1)} s: ${f.new} new, ${f.changed} changed, ${f.deleted} deleted, ${f.unchanged} unchanged${f.copied ? ` (${f.copied} renamed or copied)` : ''}.`);
    lines.push(`  chunks: ${s.chunks.added} written, ${s.chunks.removed} removed, ${s.chunks.embedded} embedded, ${s.chunks.reused} reused from stored vectors`);
    if (s.embedStats.calls) lines.push(`  embedding: ${s.embedStats.calls} calls, ${s.embedStats.retries} retries, ${s.embedStats.throttles} throttled, ${groupThousands(s.embeddingTokens)} tokens${s.estimatedCostUsd !== undefined ? `, about $${s.estimatedCostUsd.toFixed(4)}` : ''}`);
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
    lines.push(s.dryRun ? `Would fail ${s.failures.length}:` : `Failed ${s.failures.length} (each keeps its previous version; a changed file is tried again on the next run):`);
    for (const e of s.failures) lines.push(`  ${e.path}: ${e.reason}`);
  }
  if (s.stoppedEarly) lines.push(`Stopped early: ${s.stoppedEarly}. What was committed is kept; run kb index again to continue.`);
  return `${lines.join('\n')}\n`;
}

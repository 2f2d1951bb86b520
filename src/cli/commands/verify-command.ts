import { openKnowledgeBaseStore } from '../../app/open-knowledge-base.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { escapeTerminal } from '../escape-terminal.js';

/** Exit 0 when clean, 2 with the list of problems. --repair takes the writer lock. */
export const run: CommandRun = async (_args, options, ctx) => {
  const { store } = await openKnowledgeBaseStore(await configFor(ctx, options));
  try {
    const release = options.repair ? await store.acquireWriter({ wait: true, ...(ctx.signal ? { signal: ctx.signal } : {}) }) : async () => {};
    const report = await store.verify({ repair: !!options.repair }).finally(release);
    if (options.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const lines = [`Checked ${report.checks.length} invariants in ${report.durationMs.toFixed(0)} ms: ${report.problems.length ? `${report.problems.length} problem(s)` : 'all clean'}.`];
      for (const p of report.problems) lines.push(`  ✗ ${p.check}: ${p.detail}${p.repairable && !options.repair ? ' (kb verify --repair fixes this)' : ''}`);
      for (const r of report.repaired) lines.push(`  repaired: ${r}`);
      for (const n of report.notes) lines.push(`  note: ${n}`);
      ctx.stdout.write(`${escapeTerminal(lines.join('\n'))}\n`);
    }
    return report.ok ? 0 : 2;
  } finally {
    await store.close();
  }
};

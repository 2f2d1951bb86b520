import type { IndexProgress } from '../ingest/index-folders.js';
import type { CliContext } from './cli-context.js';
import { escapeTerminal } from './escape-terminal.js';

/**
 * A one-line progress bar on a terminal, a plain line every `every` files otherwise (logs, CI).
 * Hand-written: a bar redrawn with \r is ten lines, and it writes to the injected stream, which the
 * progress-bar libraries do not make easy to test.
 */
export function createProgressReporter(ctx: CliContext, { enabled = true, every = 100 } = {}) {
  const tty = !!ctx.stderr.isTTY;
  let last = 0;
  return (p: IndexProgress) => {
    if (!enabled) return;
    if (p.phase === 'scan') return;
    if (p.phase === 'done') {
      if (tty && p.total) ctx.stderr.write('\n');
      return;
    }
    if (tty) {
      const now = Date.now();
      if (now - last < 80 && p.done < p.total) return;
      last = now;
      const width = 28;
      const filled = p.total ? Math.round((p.done / p.total) * width) : 0;
      const name = escapeTerminal((p.path ?? '').slice(-40));
      ctx.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${name.padEnd(40)}`);
    } else if (p.done % every === 0 || p.done === p.total) {
      ctx.stderr.write(`indexed ${p.done}/${p.total} files\n`);
    }
  };
}

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { indexedKb, type KbFixture, memoryCtx } from './server-fixture.js';

let base: KbFixture;
beforeAll(async () => {
  base = await indexedKb();
});
afterAll(() => base?.close());

/** Resolves once `check` holds, checking on each write to the context (no polling clock). */
function whenWritten(ctx: ReturnType<typeof memoryCtx>, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const push = ctx.out.push.bind(ctx.out);
    ctx.out.push = (...items: string[]) => {
      const n = push(...items);
      if (check()) resolve();
      return n;
    };
  });
}

describe('kb serve', () => {
  it('--json prints where it listens as one JSON line, and stops on the signal', async () => {
    const controller = new AbortController();
    const ctx = memoryCtx(base.dir, controller.signal);
    const done = runCli(['serve', '--json', '--kb-dir', base.kbDir, '--port', '0'], ctx);
    await whenWritten(ctx, () => ctx.out.join('').includes('\n'));
    const line = JSON.parse(ctx.out.join('')) as { url: string; documents: number; apiKeys: number };
    expect(line).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), documents: 21, apiKeys: 0 });
    expect((await fetch(`${line.url}/healthz`)).status).toBe(200);
    controller.abort();
    expect(await done).toBe(0);
    expect(ctx.err.join('')).toContain('"msg":"stopped"');
  });

  it('a refused bind and a port in use print the error alone, no "stopped" log line', async () => {
    const refused = memoryCtx(base.dir, AbortSignal.abort());
    expect(await runCli(['serve', '--kb-dir', base.kbDir, '--host', '0.0.0.0', '--port', '0'], refused)).toBe(1);
    expect(refused.err.join('')).toMatch(/Refusing to serve on 0.0.0.0 without API keys/);
    expect(refused.err.join('')).not.toContain('stopped');

    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const busy = memoryCtx(base.dir, AbortSignal.abort());
      expect(await runCli(['serve', '--kb-dir', base.kbDir, '--port', String(port)], busy)).toBe(1);
      expect(busy.err.join('')).toMatch(new RegExp(`Port ${port} .*in use`));
      expect(busy.err.join('')).not.toContain('stopped');
    } finally {
      holder.close();
    }
  });
});

describe('number flags', () => {
  it.each([
    ['search', '0'], ['search', '-5'], ['search', '-2'], ['search', '101'], ['search', '2.5'], ['search', 'x'], ['ask', '0'], ['ask', '-5'],
  ])('kb %s --top-k %s is a usage error (exit 1) naming the flag', async (command, value) => {
    const ctx = memoryCtx(base.dir);
    expect(await runCli([command, 'notice period', '--top-k', value, '--kb-dir', base.kbDir, '--json'], ctx)).toBe(1);
    const error = (JSON.parse(ctx.out.join('')) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('--top-k');
  });

  it('kb search --top-k 3 returns 3 results', async () => {
    const ctx = memoryCtx(base.dir);
    expect(await runCli(['search', 'notice period', '--top-k', '3', '--kb-dir', base.kbDir, '--json'], ctx)).toBe(0);
    expect((JSON.parse(ctx.out.join('')) as { results: unknown[] }).results).toHaveLength(3);
  });
});

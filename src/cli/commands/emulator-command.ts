import { UsageError } from '../../errors.js';
import { startEmulator, type Emulator } from '../../emulator/create-emulator.js';
import type { CommandRun } from '../cli-context.js';

const DEFAULT_PORT = 4010;

/** `kb emulator`: serves the Bedrock runtime emulator until the process is interrupted (ctx.signal). */
export const run: CommandRun = async (_args, options, ctx) => {
  const port = numberOption(options.port, '--port', 0, 65_535) ?? DEFAULT_PORT;
  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      port,
      host: typeof options.host === 'string' ? options.host : '127.0.0.1',
      latencyMs: numberOption(options.latencyMs, '--latency-ms', 0, Number.MAX_SAFE_INTEGER),
      rpm: numberOption(options.rpm, '--rpm', 0, Number.MAX_SAFE_INTEGER),
      throttleRate: numberOption(options.throttleRate, '--throttle-rate', 0, 1),
      errorRate: numberOption(options.errorRate, '--error-rate', 0, 1),
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new UsageError(`Port ${port} is already in use; pick another with --port.`, { cause: error });
    }
    throw error;
  }
  ctx.stdout.write(options.json ? `${JSON.stringify({ url: emulator.url })}\n` : `Bedrock emulator listening on ${emulator.url}\n`);
  try {
    await new Promise<void>((resolve) => {
      if (!ctx.signal) return; // no signal: serve until the process ends
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await emulator.close();
  }
  return 0;
};

function numberOption(value: unknown, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a number ${range}, got "${String(value)}".`);
  }
  return n;
}

import { Command, CommanderError, Option } from 'commander';
import { KbError, ModelCallError, type ModelFailureReason } from '../errors.js';
import type { CliContext } from './cli-context.js';
import { COMMANDS, type OptionSpec } from './commands.js';
import { escapeTerminal } from './escape-terminal.js';

const VERSION = '0.1.0';

/**
 * Runs `kb` with argv (without node and script) and returns the exit code. The only place errors become exit
 * codes: KbError carries its own (1 user error, 2 partial failure, 3 service failure); anything else is 1 with
 * the stack shown when KB_DEBUG=1. Only bin.ts calls process.exit.
 */
/** Commands that work on one knowledge base, which --collection can choose. */
const ONE_KNOWLEDGE_BASE = new Set(['index', 'search', 'ask', 'chat', 'status', 'verify', 'remove', 'watch']);

export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  let code = 0;
  const program = new Command('kb')
    .description('A knowledge base over your documents, with cited answers. Offline by default; Amazon Bedrock with KB_PROVIDER=bedrock.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .showHelpAfterError();
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.summary);
    if (spec.args) cmd.arguments(spec.args);
    cmd.addOption(new Option('--kb-dir <dir>', 'knowledge base folder (default ./.kb, env KB_DIR)'));
    if (ONE_KNOWLEDGE_BASE.has(spec.name)) cmd.addOption(new Option('--collection <name>', 'work on this collection of kb.config.json "collections" instead of the main knowledge base'));
    for (const o of spec.options) cmd.addOption(toOption(o));
    cmd.action(async (...received: unknown[]) => {
      const command = received.at(-1) as Command;
      const args = (command.args ?? []) as string[];
      const { run } = await spec.load();
      code = await run(args, command.opts(), ctx);
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      // --json callers parse stdout: give them the error there too (commander's text went to stderr).
      if (argv.includes('--json')) ctx.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: error.message.replace(/^error: /, '') } })}\n`);
      return 1;
    }
    return reportError(error, ctx, argv.includes('--json'));
  }
}

export function reportError(error: unknown, ctx: CliContext, json: boolean): number {
  const kb = error instanceof KbError ? error : undefined;
  if (json) {
    ctx.stdout.write(`${JSON.stringify({ error: { code: kb?.code ?? 'INTERNAL', message: (error as Error)?.message ?? String(error) } })}\n`);
  } else {
    ctx.stderr.write(`error: ${escapeTerminal((error as Error)?.message ?? String(error))}\n`);
    if (!kb || ctx.env.KB_DEBUG === '1') ctx.stderr.write(`${escapeTerminal((error as Error)?.stack ?? '')}\n`);
  }
  return exitCodeFor(error);
}

/** Exit code per model failure reason; README: 3 when the model service failed, whatever the reason. */
const MODEL_FAILURE_EXIT: Record<ModelFailureReason, number> = {
  throttled: 3, unavailable: 3, network: 3, timeout: 3, 'access-denied': 3, 'unknown-model': 3, auth: 3, validation: 3,
};

function exitCodeFor(error: unknown): number {
  if (error instanceof ModelCallError) return MODEL_FAILURE_EXIT[error.reason];
  return error instanceof KbError ? error.exitCode : 1;
}

function toOption(spec: OptionSpec): Option {
  const o = new Option(spec.flags, spec.description);
  if (spec.defaultValue !== undefined) o.default(spec.defaultValue);
  if (spec.parse === 'int') o.argParser((v) => parseNumber(spec.flags, v, true, spec.range));
  if (spec.parse === 'float') o.argParser((v) => parseNumber(spec.flags, v, false, spec.range));
  if (spec.parse === 'list') o.argParser((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
  return o;
}

function parseNumber(flag: string, value: string, integer: boolean, range?: [number, number]): number {
  const name = flag.split(' ')[0];
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new KbError('USAGE', `${name} expects ${integer ? 'a whole number' : 'a number'}, got "${value}"`);
  }
  if (range && (n < range[0] || n > range[1])) {
    throw new KbError('USAGE', `${name} must be between ${range[0]} and ${range[1]}, got ${value}`);
  }
  return n;
}

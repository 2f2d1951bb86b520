/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Questions for kb chat; the real process gives its stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  cwd: string;
  /** Aborted on SIGINT in the real process. */
  signal?: AbortSignal;
}

/** Options every command takes. */
export interface GlobalOptions {
  json?: boolean;
  kbDir?: string;
  /** A collection of kb.config.json's "collections" (index, search, ask, …). */
  collection?: string;
}

/** A lazily loaded command body: returns the exit code (0 ok, 1 user error, 2 partial failure). */
export type CommandRun = (args: string[], options: Record<string, unknown> & GlobalOptions, ctx: CliContext) => Promise<number>;

import type { CommandRun } from './cli-context.js';

export interface OptionSpec {
  flags: string;
  description: string;
  defaultValue?: string | boolean;
  /** Parse the raw string; numbers are validated again by the config schema. */
  parse?: 'int' | 'float' | 'list';
  /** Inclusive bounds for a number; a value outside them is a usage error naming the flag. */
  range?: [number, number];
}

/** A command as data; its body is imported only when it runs, so `kb ask` never loads the PDF parser. */
export interface CommandSpec {
  name: string;
  summary: string;
  args?: string;
  options: OptionSpec[];
  load: () => Promise<{ run: CommandRun }>;
}

const jsonOption: OptionSpec = { flags: '--json', description: 'machine-readable JSON output' };
const filterOptions: OptionSpec[] = [
  { flags: '--path <prefix>', description: 'only documents whose path starts with this prefix' },
  { flags: '--glob <pattern>', description: 'only documents whose path matches this glob' },
  { flags: '--type <formats>', description: 'only these formats (comma list: markdown,text,html,pdf,docx)', parse: 'list' },
  { flags: '--tag <tags>', description: 'only documents with all these tags (comma list)', parse: 'list' },
];

const historyOption: OptionSpec = {
  flags: '--history <file>',
  description: 'JSON file of earlier turns (the API\'s history); read for context, then updated with this answer',
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'index',
    summary: 'index folders: new and changed files are embedded, deleted ones removed',
    args: '[folders...]',
    options: [
      jsonOption,
      { flags: '--dry-run', description: 'print what a run would do without changing anything' },
      { flags: '--rebuild', description: 're-process every document; required to switch the embedding model (vectors already stored for a model are reused)' },
      { flags: '--wait', description: 'wait for another running index instead of exiting' },
      { flags: '--retry-failed', description: 'parse again files that failed before and have not changed since' },
      { flags: '--chunk-tokens <n>', description: 'target chunk size in tokens (remembered by the knowledge base; changing it re-chunks)', parse: 'int' },
      { flags: '--no-progress', description: 'no progress bar even on a terminal' },
      { flags: '--progress-every <files>', description: 'when not on a terminal, a progress line every this many files (default 100)', parse: 'int', range: [1, 1_000_000] },
    ],
    load: () => import('./commands/index-command.js'),
  },
  {
    name: 'ask',
    summary: 'answer a question from the knowledge base, with cited sources',
    args: '<question...>',
    options: [jsonOption, { flags: '--top-k <n>', description: 'sources to retrieve (1-100)', parse: 'int', range: [1, 100] }, historyOption, ...filterOptions],
    load: () => import('./commands/ask-command.js'),
  },
  {
    name: 'chat',
    summary: 'a conversation: each line of standard input is a question, answered with the ones before it as context',
    options: [
      { flags: '--json', description: 'one JSON answer per line' },
      { flags: '--top-k <n>', description: 'sources to retrieve (1-100)', parse: 'int', range: [1, 100] },
      historyOption,
      ...filterOptions,
    ],
    load: () => import('./commands/chat-command.js'),
  },
  {
    name: 'search',
    summary: 'ranked chunks for a query, with path, page or heading, and score',
    args: '<query...>',
    options: [jsonOption, { flags: '--top-k <n>', description: 'results to show (1-100)', parse: 'int', range: [1, 100] }, ...filterOptions],
    load: () => import('./commands/search-command.js'),
  },
  {
    name: 'status',
    summary: 'documents, chunks, size on disk, embedding model and the last index run',
    options: [jsonOption],
    load: () => import('./commands/status-command.js'),
  },
  {
    name: 'remove',
    summary: 'remove documents (by file path) and their chunks from the index',
    args: '<paths...>',
    options: [jsonOption],
    load: () => import('./commands/remove-command.js'),
  },
  {
    name: 'verify',
    summary: 'check the index for consistency; --repair rebuilds what is derived',
    options: [jsonOption, { flags: '--repair', description: 'rebuild the full-text and vector indexes from the database' }],
    load: () => import('./commands/verify-command.js'),
  },
  {
    name: 'demo',
    summary: 'index the bundled sample data and answer a sample question',
    options: [jsonOption],
    load: () => import('./commands/demo-command.js'),
  },
  {
    name: 'serve',
    summary: 'serve the HTTP query API and the web page',
    options: [
      { ...jsonOption, description: 'print where it listens as one JSON line' },
      { flags: '--host <host>', description: 'interface to bind (default 127.0.0.1)' },
      { flags: '--port <port>', description: 'port (default 8080)', parse: 'int', range: [0, 65_535] },
      { flags: '--insecure-no-auth', description: 'allow a non-loopback bind without API keys' },
      { flags: '--watch', description: 'keep each knowledge base in sync with its folders as files change (as kb watch does)' },
    ],
    load: () => import('./commands/serve-command.js'),
  },
  {
    name: 'mcp',
    summary: 'serve the knowledge base to MCP clients (assistants, agents) over standard input and output',
    options: [],
    load: () => import('./commands/mcp-command.js'),
  },
  {
    name: 'watch',
    summary: 'keep the index in sync as files in the folders change (debounced kb index runs)',
    args: '[folders...]',
    options: [{ ...jsonOption, description: 'one JSON line per sync run' }],
    load: () => import('./commands/watch-command.js'),
  },
  {
    name: 'keys',
    summary: 'API keys scoped to collections: create (the key is printed once), list, revoke',
    args: '<action> [name]',
    options: [
      jsonOption,
      { flags: '--collection <names>', description: 'collections the key may use (comma list; * for all)', parse: 'list' },
      { flags: '--role <role>', description: 'reader (query, retrieve, read documents) or admin (default reader)' },
      { flags: '--access <tags>', description: 'access tags: documents whose front matter "access" names one are visible to the key (comma list; * for all); documents without "access" always are', parse: 'list' },
    ],
    load: () => import('./commands/keys-command.js'),
  },
  {
    name: 'models',
    summary: 'the model catalogue (limits, prices, regions), the configured models marked; on Bedrock, what your account offers in the region',
    options: [jsonOption],
    load: () => import('./commands/models.js'),
  },
  {
    name: 'emulator',
    summary: 'run a Bedrock-runtime-compatible emulator for offline development and tests',
    options: [
      { ...jsonOption, description: 'print where it listens as one JSON line' },
      { flags: '--port <port>', description: 'port (default 4010)', parse: 'int', range: [0, 65_535] },
      { flags: '--host <host>', description: 'interface (default 127.0.0.1)' },
      { flags: '--latency-ms <ms>', description: 'added latency per request', parse: 'int', range: [0, 600_000] },
      { flags: '--rpm <n>', description: 'requests-per-minute quota, enforced with ThrottlingException', parse: 'int', range: [1, 10_000_000] },
      { flags: '--throttle-rate <fraction>', description: 'fraction of requests throttled at random', parse: 'float', range: [0, 1] },
      { flags: '--error-rate <fraction>', description: 'fraction of requests failing with 503', parse: 'float', range: [0, 1] },
    ],
    load: () => import('./commands/emulator-command.js'),
  },
];

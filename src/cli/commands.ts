import type { CommandRun } from './cli-context.js';

export interface OptionSpec {
  flags: string;
  description: string;
  defaultValue?: string | boolean;
  /** Parse the raw string; numbers are validated again by the config schema. */
  parse?: 'int' | 'float' | 'list';
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
      { flags: '--chunk-tokens <n>', description: 'target chunk size in tokens', parse: 'int' },
      { flags: '--no-progress', description: 'no progress bar even on a terminal' },
    ],
    load: () => import('./commands/index-command.js'),
  },
  {
    name: 'ask',
    summary: 'answer a question from the knowledge base, with cited sources',
    args: '<question...>',
    options: [jsonOption, { flags: '--top-k <n>', description: 'sources to retrieve', parse: 'int' }, ...filterOptions],
    load: () => import('./commands/ask-command.js'),
  },
  {
    name: 'search',
    summary: 'ranked chunks for a query, with path, page or heading, and score',
    args: '<query...>',
    options: [jsonOption, { flags: '--top-k <n>', description: 'results to show', parse: 'int' }, ...filterOptions],
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
      { flags: '--host <host>', description: 'interface to bind (default 127.0.0.1)' },
      { flags: '--port <port>', description: 'port (default 8080)', parse: 'int' },
      { flags: '--insecure-no-auth', description: 'allow a non-loopback bind without API keys' },
    ],
    load: () => import('./commands/serve-command.js'),
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
      { flags: '--port <port>', description: 'port (default 4010)', parse: 'int' },
      { flags: '--host <host>', description: 'interface (default 127.0.0.1)' },
      { flags: '--latency-ms <ms>', description: 'added latency per request', parse: 'int' },
      { flags: '--rpm <n>', description: 'requests-per-minute quota, enforced with ThrottlingException', parse: 'int' },
      { flags: '--throttle-rate <fraction>', description: 'fraction of requests throttled at random', parse: 'float' },
      { flags: '--error-rate <fraction>', description: 'fraction of requests failing with 503', parse: 'float' },
    ],
    load: () => import('./commands/emulator-command.js'),
  },
];

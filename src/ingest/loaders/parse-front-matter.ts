import { createRequire } from 'node:module';
import { KbError } from '../../errors.js';

// yaml is about 70 modules: required on the first YAML front matter, not by every Markdown file (or every run).
// Its Node entry is CommonJS, so this is the same module instance an `import` would give.
const requireModule = createRequire(import.meta.url);
let parseYaml: typeof import('yaml').parse | undefined;

export interface FrontMatter {
  /** The front matter's fields; empty when there is none (or it was not a mapping). */
  data: Record<string, unknown>;
  /** The text after the closing delimiter line. */
  body: string;
  /** Offset of `body` in the text. */
  bodyOffset: number;
  /** Problems that did not stop the load, e.g. invalid YAML. */
  warnings: string[];
}

/** Front matter in an engine we do not run (gray-matter would have evaluated `---js` as JavaScript). */
export class FrontMatterError extends KbError {
  readonly reason: string;
  constructor(reason: string) {
    super('FRONT_MATTER_REFUSED', reason, { exitCode: 2, httpStatus: 422 });
    this.reason = reason;
  }
}

const YAML_ENGINES = new Set(['', 'yaml', 'yml']);
// Billion-laughs documents expand aliases; a front matter has no business with more than a handful.
const MAX_ALIAS_COUNT = 100;

/**
 * Splits `---` front matter off a Markdown text and parses it as data only: YAML (`---` or `---yaml`) or JSON
 * (`---json`). Any other engine marker is refused with FrontMatterError; nothing in a document is ever run.
 * Linear in the text: one scan for the closing `---` line.
 */
export function parseFrontMatter(text: string): FrontMatter {
  const none: FrontMatter = { data: {}, body: text, bodyOffset: 0, warnings: [] };
  if (!text.startsWith('---') || text.startsWith('----')) return none;
  const firstEnd = text.indexOf('\n');
  if (firstEnd < 0) return none;
  const engine = text.slice(3, firstEnd).trim().toLowerCase();
  const close = findClosingLine(text, firstEnd);
  if (!close) return none;
  if (!YAML_ENGINES.has(engine) && engine !== 'json') {
    throw new FrontMatterError(`front matter engine '${printable(engine)}' is not allowed; use YAML (a plain --- line) or JSON (---json)`);
  }
  const source = text.slice(firstEnd + 1, close.start);
  const body = text.slice(close.end);
  const result: FrontMatter = { data: {}, body, bodyOffset: close.end, warnings: [] };
  let value: unknown;
  try {
    value = engine === 'json' ? JSON.parse(source) : (parseYaml ??= (requireModule('yaml') as typeof import('yaml')).parse)(source, { maxAliasCount: MAX_ALIAS_COUNT, prettyErrors: false });
  } catch (error) {
    result.warnings.push(`front matter ignored: ${firstLine((error as Error).message)}`);
    return result;
  }
  if (value === null || value === undefined) return result;
  if (typeof value !== 'object' || Array.isArray(value)) {
    result.warnings.push('front matter ignored: it is not a set of key: value fields');
    return result;
  }
  result.data = value as Record<string, unknown>;
  return result;
}

/** The `---` line that ends the front matter: where it starts, and where the body after it starts. */
function findClosingLine(text: string, from: number): { start: number; end: number } | undefined {
  for (let at = text.indexOf('\n---', from); at >= 0; at = text.indexOf('\n---', at + 1)) {
    const lineEnd = text.indexOf('\n', at + 1);
    const rest = text.slice(at + 4, lineEnd < 0 ? text.length : lineEnd);
    if (rest.trim() === '') return { start: at + 1, end: lineEnd < 0 ? text.length : lineEnd + 1 };
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** An engine name as shown in a message: control characters would reach the user's terminal. */
function printable(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 24 ? `${clean.slice(0, 24)}…` : clean;
}

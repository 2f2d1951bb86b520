import { findPii } from './find-pii.js';
import { MAX_PLACEHOLDER_CHARS, PII_TYPES, PLACEHOLDER, placeholder, type PiiType } from './pii-placeholder.js';

/**
 * Placeholders for one exchange with a model: the same identifier gets the same placeholder in every text
 * redacted through the session (question, sources, history), so the model can refer to it and `restore` can
 * put the original back in what the model wrote.
 */
export interface RedactionSession {
  /** `text` with each identifier replaced by its typed placeholder, e.g. "<EMAIL_1>". */
  redact(text: string): Promise<string>;
  /** Placeholders this session wrote, replaced by their originals; any other text is left as it is. */
  restore(text: string): string;
  /** A restorer for streamed text, which holds back a chunk's tail that may be the start of a placeholder. */
  streamRestorer(): { push(chunk: string): string; end(): string };
  /** How many identifiers of each type were replaced so far. */
  counts(): Record<PiiType, number>;
}

export function createRedactionSession(): RedactionSession {
  const byOriginal = new Map<string, string>();
  const byPlaceholder = new Map<string, string>();
  const counts = Object.fromEntries(PII_TYPES.map((t) => [t, 0])) as Record<PiiType, number>;

  function placeholderFor(type: PiiType, original: string): string {
    const key = `${type}\u0000${original}`;
    let name = byOriginal.get(key);
    if (!name) {
      name = placeholder(type, ++counts[type]);
      byOriginal.set(key, name);
      byPlaceholder.set(name, original);
    }
    return name;
  }

  async function redact(text: string): Promise<string> {
    if (!text) return text;
    let out = '';
    let last = 0;
    for (const span of await findPii(text)) {
      out += text.slice(last, span.start) + placeholderFor(span.type, span.text);
      last = span.end;
    }
    return out + text.slice(last);
  }

  function restore(text: string): string {
    return text.replace(PLACEHOLDER, (name) => byPlaceholder.get(name) ?? name);
  }

  function streamRestorer() {
    let held = '';
    return {
      push(chunk: string): string {
        const text = held + chunk;
        const cut = pendingStart(text);
        held = text.slice(cut);
        return restore(text.slice(0, cut));
      },
      end(): string {
        const rest = restore(held);
        held = '';
        return rest;
      },
    };
  }

  return { redact, restore, streamRestorer, counts: () => ({ ...counts }) };
}

// A tail like "<EMA" or "<PHONE_1" may become a placeholder with the next chunk.
const PARTIAL = new RegExp(`^<(?:[A-Z]{0,5}|(?:${PII_TYPES.join('|')})_\\d{0,6})$`);

/** Where the held-back tail starts: the last "<" when what follows it could still grow into a placeholder. */
function pendingStart(text: string): number {
  const at = text.lastIndexOf('<');
  if (at < 0 || text.length - at >= MAX_PLACEHOLDER_CHARS) return text.length;
  return PARTIAL.test(text.slice(at)) ? at : text.length;
}

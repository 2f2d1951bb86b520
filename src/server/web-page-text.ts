/**
 * Part of /app.js: document and answer text as a person reads it. Markdown marks and HTML tags that reach the
 * page (an LLM writes Markdown; older indexes store it) are dropped or become <strong>, <em> and <code>
 * elements built with createElement; text only ever goes in as text nodes, never as HTML. Defines `kbText`.
 * Backticks are written \x60: this is a template literal.
 */
export const PAGE_TEXT_JS = String.raw`
const kbText = (() => {
  // Alternatives, in order: [n] marker, **bold**, __bold__, code span, [text](url) or image, *em*, _em_,
  // a backslash escape, an HTML tag, an entity.
  const INLINE = /(\[\d+\])|\*\*(?=\S)([^*\n]+?)\*\*|__(?=\S)([^_\n]+?)__|\x60([^\x60\n]+)\x60|!?\[([^\]\n]*)\]\([^)\s]*(?:\s+"[^"\n]*")?\)|(?<![\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?=\S)([^_\n]+?)_(?![\w_])|\\([\\\x60*_{}\[\]()#+\-.!|<>~])|<\/?[a-zA-Z][\w-]*(?:\s[^<>]*)?\/?>|&(amp|lt|gt|quot|#39|nbsp);/g;
  const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };
  const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
  const THEMATIC_BREAK = /^\s*([-*_])(\s*\1){2,}\s*$/;
  const FENCE = /^\s*(\x60{3,}|~{3,})/;

  /** Block marks: heading hashes, quote marks, list bullets, table pipes; rules and fences go. */
  function cleanLines(text) {
    const out = [];
    for (const line of String(text).replace(/\r\n?/g, '\n').split('\n')) {
      if (TABLE_RULE.test(line) || THEMATIC_BREAK.test(line) || FENCE.test(line)) continue;
      let l = line.replace(/^\s{0,3}#{1,6}\s+/, '').replace(/^\s{0,3}(>\s?)+/, '').replace(/^(\s*)[-*+]\s+(\[[ xX]\]\s+)?/, '$1• ');
      if (/^\s*\|.*\|\s*$/.test(l)) l = l.trim().slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()).join(' · ');
      out.push(l);
    }
    return out.join('\n');
  }

  /** The text as parts: { kind: 'text' | 'strong' | 'em' | 'code' | 'marker', text, n }. */
  function parts(text) {
    const src = cleanLines(text);
    const out = [];
    let last = 0;
    const push = (kind, t, n) => { if (t) out.push({ kind, text: t, n }); };
    for (const m of src.matchAll(INLINE)) {
      push('text', src.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[1]) push('marker', m[1], Number(m[1].slice(1, -1)));
      else if (m[2] !== undefined || m[3] !== undefined) push('strong', m[2] ?? m[3]);
      else if (m[4] !== undefined) push('code', m[4]);
      else if (m[5] !== undefined) push('text', m[5]);
      else if (m[6] !== undefined || m[7] !== undefined) push('em', m[6] ?? m[7]);
      else if (m[8] !== undefined) push('text', m[8]);
      else if (m[9] !== undefined) push('text', ENTITIES[m[9]]);
      // An HTML tag: dropped.
    }
    push('text', src.slice(last));
    return out;
  }

  /** Plain clean text (for labels, search and highlighting). */
  function cleanText(text) {
    return parts(text).map((p) => p.text).join('');
  }

  /**
   * Appends the clean text to parent; marker(n, text) may return a node for an [n] marker (null keeps the text).
   */
  function appendInline(parent, text, marker) {
    for (const p of parts(text)) {
      const node = p.kind === 'marker' ? (marker && marker(p.n, p.text)) : p.kind === 'text' ? null : document.createElement(p.kind === 'strong' ? 'strong' : p.kind);
      if (node && p.kind !== 'marker') node.textContent = p.text;
      parent.append(node || document.createTextNode(p.text));
    }
  }

  const escape = (w) => w.replace(/[.*+?^$|{}()[\]\\]/g, '\\$&');

  /** Appends the clean text with each of the quotes (spacing ignored) in a <mark>; returns how many were found. */
  function appendHighlighted(parent, text, quotes) {
    const clean = cleanText(text);
    const found = [];
    for (const quote of quotes) {
      const words = cleanText(quote).trim().split(/\s+/).filter(Boolean);
      const m = words.length ? new RegExp(words.map(escape).join('\\s+'), 'i').exec(clean) : null;
      if (m) found.push([m.index, m.index + m[0].length]);
    }
    found.sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [start, end] of found) {
      if (start < at) continue;
      const mark = document.createElement('mark');
      mark.textContent = clean.slice(start, end);
      parent.append(document.createTextNode(clean.slice(at, start)), mark);
      at = end;
    }
    parent.append(document.createTextNode(clean.slice(at)));
    return found.length;
  }

  return { cleanText, appendInline, appendHighlighted };
})();
`;

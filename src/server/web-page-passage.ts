/**
 * Part of /app.js: a cited passage in its document. GET /v1/documents/:id gives the document's title, its
 * original URL and its chunks; the cited chunk is shown with its neighbours and the quoted sentence marked.
 * Defines `kbPassage`; uses `kbText`.
 */
export const PAGE_PASSAGE_JS = String.raw`
const kbPassage = (() => {
  const NEIGHBOUR_CHARS = 320;
  let documents = new Map();

  /** The document, fetched once per answer and shared by every citation of it. */
  function load(id, headers) {
    if (!documents.has(id)) {
      const pending = fetch('/v1/documents/' + encodeURIComponent(id), { headers }).then(async (res) => {
        if (!res.ok) {
          const problem = await res.json().catch(() => ({}));
          throw new Error(problem.detail || res.statusText || 'Could not load the document.');
        }
        return res.json();
      });
      pending.catch(() => documents.delete(id));
      documents.set(id, pending);
    }
    return documents.get(id);
  }

  function forget() {
    documents = new Map();
  }

  const norm = (s) => kbText.cleanText(s).replace(/\s+/g, ' ').trim().toLowerCase();

  /** Index of the cited chunk: by id when the citation has one, else the chunk holding the quoted text. */
  function citedChunk(doc, c) {
    const chunks = doc.chunks || [];
    if (c.chunkId !== undefined) {
      const i = chunks.findIndex((k) => k.id === c.chunkId);
      if (i >= 0) return i;
    }
    // A snippet may join several sentences with "…": the longest piece is the surest to find.
    const quote = String(c.snippet || '').split('…').map(norm).sort((a, b) => b.length - a.length)[0];
    if (quote) {
      const i = chunks.findIndex((k) => norm(k.text).includes(quote));
      if (i >= 0) return i;
    }
    const i = chunks.findIndex((k) => k.page === c.page && (k.heading || '') === (c.heading || ''));
    return Math.max(i, 0);
  }

  /** Only http(s) addresses become links: metadata is document content, and a javascript: URL would run. */
  function safeUrl(u) {
    try {
      const url = new URL(u);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
    } catch {
      return '';
    }
  }

  function neighbour(className, text, fromEnd) {
    const p = document.createElement('p');
    p.className = 'neighbour ' + className;
    const clean = kbText.cleanText(text);
    p.textContent = clean.length <= NEIGHBOUR_CHARS ? clean : fromEnd ? '…' + clean.slice(-NEIGHBOUR_CHARS) : clean.slice(0, NEIGHBOUR_CHARS) + '…';
    return p;
  }

  /** The passage element: previous chunk (end), the cited chunk with the quote marked, next chunk (start). */
  function render(doc, c) {
    const chunks = doc.chunks || [];
    const box = document.createElement('div');
    box.className = 'context';
    if (!chunks.length) return box;
    const at = citedChunk(doc, c);
    if (at > 0) box.append(neighbour('before', chunks[at - 1].text, true));
    const passage = document.createElement('div');
    passage.className = 'passage';
    passage.dataset.chunkId = String(chunks[at].id);
    kbText.appendHighlighted(passage, chunks[at].text, String(c.snippet || '').split('…'));
    box.append(passage);
    if (at + 1 < chunks.length) box.append(neighbour('after', chunks[at + 1].text, false));
    return box;
  }

  return { load, forget, render, safeUrl };
})();
`;

/**
 * Part of /app.js: the list of sources. Each shows its document's title, heading path and page, links to
 * the original when the document has a URL, and opens the cited passage in context (kbPassage). Defines
 * `kbSources({ list, heading, authHeaders })`.
 */
export const PAGE_SOURCES_JS = String.raw`
function kbSources({ list, heading, authHeaders }) {
  let citations = new Map();

  function meta(c) {
    return [c.heading || '', c.page !== undefined ? 'page ' + c.page : ''].filter(Boolean).join(' · ');
  }

  function show(items) {
    citations = new Map(items.map((c) => [c.n, c]));
    list.replaceChildren();
    heading.hidden = items.length === 0;
    kbPassage.forget();
    for (const c of items) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'cite';
      button.id = 'cite-' + c.n;
      button.setAttribute('aria-expanded', 'false');
      button.setAttribute('aria-controls', 'snippet-' + c.n);
      button.dataset.documentId = String(c.documentId);
      const n = document.createElement('span');
      n.className = 'n';
      n.textContent = '[' + c.n + ']';
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = c.path;
      const where = document.createElement('span');
      where.className = 'meta';
      where.textContent = meta(c);
      button.append(n, title, where);
      button.addEventListener('click', () => toggle(c.n));
      li.append(button, panelFor(c));
      list.append(li);
      kbPassage.load(c.documentId, authHeaders()).then((doc) => {
        if (doc.title) title.textContent = kbText.cleanText(doc.title);
        const url = doc.url && kbPassage.safeUrl(doc.url);
        if (url && !li.querySelector('a.original')) li.insertBefore(originalLink(url), li.lastChild);
      }).catch(() => {});
    }
  }

  function originalLink(url) {
    const a = document.createElement('a');
    a.className = 'original';
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = 'Open the original ↗';
    return a;
  }

  /** The source's panel: where it is and the quoted sentence; the passage in context once its document loads. */
  function panelFor(c) {
    const panel = document.createElement('div');
    panel.className = 'snippet';
    panel.id = 'snippet-' + c.n;
    panel.hidden = true;
    const where = document.createElement('p');
    where.className = 'where';
    where.textContent = whereOf(c);
    const quote = document.createElement('blockquote');
    kbText.appendInline(quote, c.snippet);
    panel.append(where, quote);
    if (c.supported === false) {
      const warn = document.createElement('p');
      warn.className = 'unsupported';
      warn.textContent = 'The sentences citing this source are not clearly backed by its text.';
      panel.append(warn);
    }
    return panel;
  }

  function toggle(n, open) {
    const button = document.getElementById('cite-' + n), panel = document.getElementById('snippet-' + n);
    if (!button || !panel) return;
    const visible = open === undefined ? panel.hidden : open;
    panel.hidden = !visible;
    button.setAttribute('aria-expanded', String(visible));
    if (visible && !panel.dataset.loaded) showInContext(citations.get(n), panel);
  }

  function showInContext(c, panel) {
    panel.dataset.loaded = 'loading';
    kbPassage.load(c.documentId, authHeaders()).then((doc) => {
      const quote = panel.querySelector('blockquote');
      if (quote) quote.replaceWith(kbPassage.render(doc, c));
      panel.dataset.loaded = 'yes';
    }).catch((err) => {
      delete panel.dataset.loaded;
      const p = document.createElement('p');
      p.className = 'unsupported';
      p.textContent = 'Could not open the document: ' + err.message;
      panel.append(p);
    });
  }

  function whereOf(c) {
    return [c.path, meta(c)].filter(Boolean).join(' · ');
  }

  function clear() {
    citations = new Map();
    list.replaceChildren();
    heading.hidden = true;
  }

  function focus(n) {
    document.getElementById('cite-' + n).focus();
    document.getElementById('snippet-' + n).scrollIntoView({ block: 'nearest' });
  }

  return { show, clear, toggle, focus, get: (n) => citations.get(n), where: whereOf };
}
`;

/**
 * The page's script, served as /app.js. Plain ES2020 for any current browser. It POSTs the question and reads
 * the Server-Sent Events with fetch and a stream reader (EventSource can only GET). Text from the server is
 * only ever set as textContent, never as HTML.
 */
export const PAGE_JS = String.raw`'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('ask'), question = $('question'), askButton = $('ask-button'), keyBox = $('key-box'), keyInput = $('api-key');
  const statusLine = $('status'), errorBox = $('error'), result = $('result'), answer = $('answer');
  const sourcesHeading = $('sources-heading'), list = $('citations'), usageLine = $('usage');
  const KEY = 'kb-api-key';
  let current = null;
  let answerText = '';
  let citations = new Map();

  keyInput.value = sessionStorage.getItem(KEY) || '';
  keyInput.addEventListener('input', () => sessionStorage.setItem(KEY, keyInput.value.trim()));

  fetch('/v1/config').then((r) => r.json()).then((c) => {
    if (c.authRequired) keyBox.hidden = false;
    if (c.maxQuestionChars) question.maxLength = c.maxQuestionChars;
  }).catch(() => {});

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = question.value.trim();
    if (q) ask(q);
    else question.focus();
  });
  question.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  async function ask(q) {
    if (current) current.abort();
    const controller = current = new AbortController();
    reset();
    busy(true, 'Searching…');
    const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
    const key = keyInput.value.trim();
    if (key) headers.Authorization = 'Bearer ' + key;
    try {
      const res = await fetch('/v1/query', { method: 'POST', headers, body: JSON.stringify({ question: q, stream: true }), signal: controller.signal });
      if (!res.ok) {
        const problem = await res.json().catch(() => ({}));
        if (res.status === 401) { keyBox.hidden = false; keyInput.focus(); }
        const wait = res.headers.get('Retry-After');
        throw new Error((problem.detail || res.statusText || 'Request failed') + (wait ? ' (retry in ' + wait + ' s)' : ''));
      }
      await readEvents(res.body, onEvent);
    } catch (err) {
      if (err.name !== 'AbortError') showError(err.message);
    } finally {
      if (current === controller) { busy(false, statusLine.textContent); current = null; }
    }
  }

  /** Splits the stream into events; each has one JSON data line. */
  async function readEvents(body, handle) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let at;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) handle(event, JSON.parse(data.join('\n')));
      }
    }
  }

  function onEvent(event, data) {
    if (event === 'sources') {
      result.hidden = false;
      statusLine.textContent = data.sources.length ? 'Found ' + data.sources.length + ' relevant passage' + (data.sources.length === 1 ? '' : 's') + '; answering…' : 'Nothing relevant found.';
    } else if (event === 'token') {
      result.hidden = false;
      answerText += data.text;
      answer.textContent = answerText;
    } else if (event === 'citations') {
      citations = new Map(data.citations.map((c) => [c.n, c]));
      renderCitations(data.citations);
    } else if (event === 'usage') {
      renderUsage(data);
    } else if (event === 'done') {
      if (typeof data.answer === 'string') answerText = data.answer;
      renderAnswer();
      statusLine.textContent = data.found ? 'Done.' : 'The knowledge base has no answer to that.';
    } else if (event === 'error') {
      showError(data.detail || data.title || 'The answer failed.');
    }
  }

  function where(c) {
    return [c.path, c.page !== undefined ? 'page ' + c.page : '', c.heading || ''].filter(Boolean).join(' · ');
  }

  function renderCitations(items) {
    list.replaceChildren();
    sourcesHeading.hidden = items.length === 0;
    for (const c of items) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'cite';
      button.id = 'cite-' + c.n;
      button.setAttribute('aria-expanded', 'false');
      button.setAttribute('aria-controls', 'snippet-' + c.n);
      const n = document.createElement('span');
      n.className = 'n';
      n.textContent = '[' + c.n + ']';
      button.append(n, document.createTextNode(where(c)));
      const panel = document.createElement('div');
      panel.className = 'snippet';
      panel.id = 'snippet-' + c.n;
      panel.hidden = true;
      const loc = document.createElement('p');
      loc.className = 'where';
      loc.textContent = where(c);
      const quote = document.createElement('blockquote');
      quote.textContent = c.snippet;
      panel.append(loc, quote);
      if (c.supported === false) {
        const warn = document.createElement('p');
        warn.className = 'unsupported';
        warn.textContent = 'The sentences citing this source are not clearly backed by its text.';
        panel.append(warn);
      }
      button.addEventListener('click', () => toggle(c.n));
      li.append(button, panel);
      list.append(li);
    }
  }

  function toggle(n, open) {
    const button = $('cite-' + n), panel = $('snippet-' + n);
    if (!button || !panel) return;
    const show = open === undefined ? panel.hidden : open;
    panel.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
  }

  /** Once complete, [n] markers in the answer become buttons that open their source. */
  function renderAnswer() {
    const parts = answerText.split(/(\[\d+\])/);
    answer.replaceChildren();
    for (const part of parts) {
      const m = /^\[(\d+)\]$/.exec(part);
      const n = m ? Number(m[1]) : 0;
      if (m && citations.has(n)) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'marker';
        b.textContent = part;
        b.setAttribute('aria-label', 'Show source ' + n + ': ' + where(citations.get(n)));
        b.addEventListener('click', () => { toggle(n, true); $('cite-' + n).focus(); });
        answer.append(b);
      } else if (part) {
        answer.append(document.createTextNode(part));
      }
    }
  }

  function renderUsage(d) {
    const u = d.usage || {};
    const bits = [d.model];
    if (u.inputTokens || u.outputTokens) bits.push(u.inputTokens + ' input + ' + u.outputTokens + ' output tokens');
    else bits.push('no model tokens');
    if (d.cost) bits.push('about $' + d.cost.usd.toFixed(5));
    if (d.timings) bits.push(Math.round(d.timings.totalMs) + ' ms');
    usageLine.textContent = bits.join(' · ');
  }

  function reset() {
    answerText = '';
    citations = new Map();
    answer.replaceChildren();
    list.replaceChildren();
    sourcesHeading.hidden = true;
    usageLine.textContent = '';
    errorBox.hidden = true;
    errorBox.textContent = '';
    result.hidden = true;
  }

  function busy(on, text) {
    askButton.disabled = on;
    answer.setAttribute('aria-busy', String(on));
    statusLine.textContent = text;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    statusLine.textContent = '';
  }
})();
`;

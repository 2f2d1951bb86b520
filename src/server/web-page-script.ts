import { PAGE_PASSAGE_JS } from './web-page-passage.js';
import { PAGE_SOURCES_JS } from './web-page-sources.js';
import { PAGE_TEXT_JS } from './web-page-text.js';

/**
 * The page's script, served as /app.js. Plain ES2020 for any current browser. It POSTs the question (with the
 * conversation so far as `history`) and reads the Server-Sent Events with fetch and a stream reader
 * (EventSource can only GET). Text from the server is only ever set as textContent, never as HTML.
 */
const MAIN_JS = String.raw`
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('ask'), question = $('question'), askButton = $('ask-button'), keyBox = $('key-box'), keyInput = $('api-key');
  const statusLine = $('status'), errorBox = $('error'), result = $('result'), answer = $('answer'), asked = $('asked');
  const sourcesHeading = $('sources-heading'), list = $('citations'), usageLine = $('usage');
  const kbInfo = $('kb-info'), kbName = $('kb-name'), kbDocuments = $('kb-documents'), kbSync = $('kb-sync');
  const conversation = $('conversation'), turns = $('turns'), newConversation = $('new-conversation');
  const sources = kbSources({ list, heading: sourcesHeading, authHeaders });
  const KEY = 'kb-api-key';
  // The API takes at most 20 earlier turns of at most 20,000 characters each.
  const MAX_TURNS = 20, MAX_TURN_CHARS = 20000;
  let current = null;
  let answerText = '';
  let history = [];
  let documentsShown = false;

  keyInput.value = sessionStorage.getItem(KEY) || '';
  keyInput.addEventListener('input', () => sessionStorage.setItem(KEY, keyInput.value.trim()));
  keyInput.addEventListener('change', showDocumentCount);

  fetch('/v1/config').then((r) => r.json()).then((c) => {
    if (c.authRequired) keyBox.hidden = false;
    if (c.maxQuestionChars) question.maxLength = c.maxQuestionChars;
    if (c.knowledgeBase) {
      kbName.textContent = c.knowledgeBase.name;
      kbInfo.hidden = false;
    }
    showDocumentCount();
    showSync();
  }).catch(() => {});

  /** " · synced 14:02:11" or " · sync failed: …", from /readyz, when the server watches its folders (kb serve --watch). */
  function showSync() {
    fetch('/readyz').then((r) => r.json()).then((d) => {
      const s = d && d.sync && d.sync.default;
      if (!s) return;
      const failed = s.lastRun && !s.lastRun.ok;
      kbSync.textContent = failed ? ' · last sync failed: ' + s.lastRun.error
        : s.lastSyncAt ? ' · synced ' + new Date(s.lastSyncAt).toLocaleTimeString() : ' · syncing…';
      kbSync.className = failed ? 'sync-failed' : '';
      setTimeout(showSync, 15000);
    }).catch(() => {});
  }

  function authHeaders() {
    const key = keyInput.value.trim();
    return key ? { Authorization: 'Bearer ' + key } : {};
  }

  /** "· 21 documents", from the document list's total (needs a reader key when auth is on). */
  function showDocumentCount() {
    if (documentsShown) return;
    fetch('/v1/documents?limit=1', { headers: authHeaders() }).then((r) => (r.ok ? r.json() : null)).then((d) => {
      if (!d) return;
      documentsShown = true;
      kbDocuments.textContent = ' · ' + d.total + ' document' + (d.total === 1 ? '' : 's');
    }).catch(() => {});
  }

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
  newConversation.addEventListener('click', () => {
    if (current) current.abort();
    history = [];
    turns.replaceChildren();
    conversation.hidden = true;
    newConversation.hidden = true;
    reset();
    statusLine.textContent = '';
    question.focus();
  });

  async function ask(q) {
    if (current) current.abort();
    const controller = current = new AbortController();
    keepFinishedTurn();
    reset();
    asked.textContent = q;
    busy(true, 'Searching…');
    const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...authHeaders() };
    const body = { question: q, stream: true };
    if (history.length) body.history = history.slice(-MAX_TURNS);
    try {
      const res = await fetch('/v1/query', { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
      if (!res.ok) {
        const problem = await res.json().catch(() => ({}));
        if (res.status === 401) { keyBox.hidden = false; keyInput.focus(); }
        const wait = res.headers.get('Retry-After');
        throw new Error((problem.detail || res.statusText || 'Request failed') + (wait ? ' (retry in ' + wait + ' s)' : ''));
      }
      await readEvents(res.body, (event, data) => onEvent(event, data, q));
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

  function onEvent(event, data, q) {
    if (event === 'sources') {
      result.hidden = false;
      statusLine.textContent = data.sources.length ? 'Found ' + data.sources.length + ' relevant passage' + (data.sources.length === 1 ? '' : 's') + '; answering…' : 'Nothing relevant found.';
    } else if (event === 'token') {
      result.hidden = false;
      answerText += data.text;
      renderAnswer();
    } else if (event === 'citations') {
      sources.show(data.citations);
    } else if (event === 'usage') {
      renderUsage(data);
    } else if (event === 'done') {
      if (typeof data.answer === 'string') answerText = data.answer;
      renderAnswer();
      statusLine.textContent = data.found ? 'Done.' : 'The knowledge base has no answer to that.';
      remember(q, answerText);
      showDocumentCount();
    } else if (event === 'error') {
      showError(data.detail || data.title || 'The answer failed.');
    }
  }

  /** The finished question and answer become history for the next question (the API's history turns). */
  function remember(q, text) {
    const turn = (role, content) => ({ role, content: content.slice(0, MAX_TURN_CHARS) });
    history.push(turn('user', q));
    if (text.trim()) history.push(turn('assistant', text));
    history = history.slice(-MAX_TURNS);
    newConversation.hidden = false;
  }

  /** Before the next question, the shown answer moves up into the conversation. */
  function keepFinishedTurn() {
    if (result.hidden || !asked.textContent || !answerText) return;
    const li = document.createElement('li');
    const q = document.createElement('p');
    q.className = 'turn-question';
    q.textContent = asked.textContent;
    const a = document.createElement('p');
    a.className = 'turn-answer';
    a.textContent = kbText.cleanText(answerText);
    li.append(q, a);
    turns.append(li);
    conversation.hidden = false;
  }

  /** [n] markers become buttons that open their source once the citations are known. */
  function renderAnswer() {
    answer.replaceChildren();
    kbText.appendInline(answer, answerText, (n, text) => {
      const c = sources.get(n);
      if (!c) return null;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'marker';
      b.textContent = text;
      b.setAttribute('aria-label', 'Show source ' + n + ': ' + sources.where(c));
      b.addEventListener('click', () => {
        sources.toggle(n, true);
        sources.focus(n);
      });
      return b;
    });
  }

  function renderUsage(d) {
    const u = d.usage || {};
    const bits = [d.model];
    if (d.cached) bits.push('from the answer cache, no model call');
    else if (u.inputTokens || u.outputTokens) bits.push(u.inputTokens + ' input + ' + u.outputTokens + ' output tokens');
    else bits.push('no model tokens');
    if (d.cost) bits.push('about $' + d.cost.usd.toFixed(5));
    if (d.timings) bits.push(Math.round(d.timings.totalMs) + ' ms');
    usageLine.textContent = bits.join(' · ');
  }

  function reset() {
    answerText = '';
    sources.clear();
    answer.replaceChildren();
    asked.textContent = '';
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

export const PAGE_JS = `'use strict';\n${PAGE_TEXT_JS}${PAGE_PASSAGE_JS}${PAGE_SOURCES_JS}${MAIN_JS}`;

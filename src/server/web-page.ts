/**
 * The web page: one HTML document with its script and style served from the same origin (/app.js, /app.css),
 * so the Content-Security-Policy can be `'self'` with no inline code. Kept as TS strings so the files are
 * found alike from src (vitest) and dist (tsc copies no assets).
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Knowledge base</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<main>
  <h1>Ask the knowledge base</h1>
  <p id="kb-info" hidden>Asking <strong id="kb-name"></strong><span id="kb-documents"></span><span id="kb-sync"></span></p>
  <section id="conversation" aria-labelledby="conversation-heading" hidden>
    <h2 id="conversation-heading">Earlier in this conversation</h2>
    <ol id="turns"></ol>
  </section>
  <form id="ask" novalidate>
    <div id="key-box" class="field" hidden>
      <label for="api-key">API key</label>
      <input id="api-key" type="password" autocomplete="off" spellcheck="false" aria-describedby="key-hint">
      <p id="key-hint" class="hint">Kept in this tab only (sessionStorage).</p>
    </div>
    <div class="field">
      <label for="question">Question</label>
      <textarea id="question" name="question" rows="3" required aria-describedby="question-hint"></textarea>
      <p id="question-hint" class="hint">Enter to ask, Shift+Enter for a new line. A follow-up question builds on the answers above.</p>
    </div>
    <button id="ask-button" type="submit">Ask</button>
    <button id="new-conversation" type="button" hidden>New conversation</button>
  </form>
  <p id="status" role="status"></p>
  <div id="error" role="alert" hidden></div>
  <section id="result" aria-labelledby="answer-heading" hidden>
    <h2 id="answer-heading">Answer</h2>
    <p id="asked"></p>
    <div id="answer" aria-live="polite"></div>
    <h2 id="sources-heading" hidden>Sources</h2>
    <ol id="citations" aria-labelledby="sources-heading"></ol>
    <p id="usage"></p>
  </section>
</main>
</body>
</html>
`;

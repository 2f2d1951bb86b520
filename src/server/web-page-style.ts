/** The page's style sheet, served as /app.css. */
export const PAGE_CSS = `:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #fff; --muted: #5d5d66; --line: #d4d4da; --accent: #0b57d0; --soft: #f3f4f7; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6ea; --bg: #141418; --muted: #a4a4ae; --line: #3a3a42; --accent: #8ab4f8; --soft: #1f1f25; --bad: #f2b8b5; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 46rem; margin: 0 auto; padding: 2rem 1rem 4rem; }
h1 { font-size: 1.5rem; margin: 0 0 1.25rem; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.field { margin-bottom: .75rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input, textarea { width: 100%; font: inherit; padding: .5rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
textarea { resize: vertical; }
.hint { margin: .25rem 0 0; font-size: .85rem; color: var(--muted); }
button { font: inherit; cursor: pointer; }
#ask-button { padding: .5rem 1.25rem; border: 0; border-radius: 6px; background: var(--accent); color: var(--bg); font-weight: 600; }
#ask-button[disabled] { opacity: .6; cursor: progress; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
#status { min-height: 1.5em; color: var(--muted); }
#error { padding: .75rem; border: 1px solid var(--bad); border-radius: 6px; color: var(--bad); }
#answer { white-space: pre-wrap; font-size: 1.05rem; }
.marker { display: inline-block; min-width: 1.9em; min-height: 1.6em; margin: 0 .1em; padding: 0 .3em; border: 1px solid var(--accent); border-radius: .4em; background: var(--soft); color: var(--accent); font-size: .85em; font-weight: 600; line-height: 1.5; vertical-align: baseline; }
.marker:hover { background: var(--accent); color: var(--bg); }
#kb-info { margin: -.75rem 0 1.25rem; color: var(--muted); }
#kb-info strong { color: var(--fg); }
#asked { margin: 0 0 .5rem; font-weight: 600; }
#conversation ol { padding-left: 0; list-style: none; margin: 0 0 1rem; }
#conversation li { padding: .5rem 0; border-bottom: 1px solid var(--line); }
.turn-question { margin: 0; font-weight: 600; }
.turn-answer { margin: .25rem 0 0; color: var(--muted); white-space: pre-wrap; }
#new-conversation { margin-left: .5rem; padding: .5rem 1rem; border: 1px solid var(--line); border-radius: 6px; background: var(--soft); color: var(--fg); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; background: var(--soft); padding: 0 .2em; border-radius: 3px; }
#citations { padding-left: 0; list-style: none; }
#citations li { margin: .4rem 0; }
.cite { width: 100%; text-align: left; padding: .5rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--soft); color: var(--fg); }
.cite .n { color: var(--accent); font-weight: 700; margin-right: .4rem; }
.cite .title { font-weight: 600; }
.cite .meta { display: block; font-size: .85rem; color: var(--muted); }
.cite .meta:empty { display: none; }
.original { display: inline-block; margin: .25rem 0 0 .6rem; font-size: .9rem; color: var(--accent); }
.snippet { margin: .25rem 0 .75rem; padding: .5rem .75rem; border-left: 3px solid var(--accent); background: var(--soft); }
.snippet .where { margin: 0 0 .35rem; font-size: .85rem; color: var(--muted); word-break: break-all; }
.snippet blockquote { margin: 0; }
.context { white-space: pre-wrap; }
.context .neighbour { margin: 0 0 .5rem; color: var(--muted); font-size: .9rem; }
.context .after { margin: .5rem 0 0; }
.passage mark { background: #fde68a; color: #1b1b1f; padding: 0 .1em; }
.unsupported { color: var(--bad); font-size: .85rem; }
#usage { font-size: .85rem; color: var(--muted); }
.sync-failed { color: var(--bad); }
`;

// npm run fuzz:server — hostile requests against a real server on loopback: bad URL encodings, odd and huge
// headers, bad JSON, bad gzip and a gzip bomb, giant and ReDoS globs, loose ids, wrong methods, oversized bodies,
// raw random bytes and slow clients, from a seeded random source. The server runs in a child process (so the
// fuzzer does not share its event loop) with and without API keys, over a small generated knowledge base.
// Prints responses by status, 5xx (must be 0), hangs (no response within FUZZ_TIMEOUT_MS, must be 0), the
// server's longest event-loop stall, error-level log lines, /healthz after, RSS before and after. Exit 1 on any
// 5xx, hang, error log or unhealthy end. Bounded: FUZZ_REQUESTS (12,000) requests, FUZZ_SECONDS (180) seconds.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import { runIndex } from '../src/app/run-index.js';
import { loadConfig } from '../src/config.js';
import { mulberry32 } from '../src/seeded-random.js';
import { createKnowledgeBaseApp } from '../src/server/knowledge-base-app.js';
import { parseApiKeys } from '../src/server/api-keys.js';
import { startServer } from '../src/server/start-server.js';

const ADMIN_KEY = 'fuzz-admin-key-0123456789abcdef';
const READER_KEY = 'fuzz-reader-key-0123456789abcdef';

interface ServerStats {
  rssMb: number;
  stallMaxMs: number;
  errorLogs: number;
  errorSamples: string[];
}

if (process.argv[2] === '--serve') await serveForFuzz(process.argv[3]!);
else await fuzz();

/** Child: a kb over generated files, served twice (no keys on loopback, and with keys), reporting over IPC. */
async function serveForFuzz(dir: string): Promise<void> {
  const data = join(dir, 'docs');
  for (let i = 0; i < 40; i++) {
    mkdirSync(join(data, `team-${i % 5}`), { recursive: true });
    writeFileSync(join(data, `team-${i % 5}`, `${'policy-'.repeat(1 + (i % 6))}${i}.md`), `# Policy ${i}\n\nThe notice period for team ${i % 5} is ${i + 10} days.\n\n## Travel\n\nTravel over $${i}00 needs approval.\n`);
  }
  const kbDir = join(dir, 'kb');
  const config = loadConfig({ cwd: dir, env: {}, flags: { kbDir, roots: [data] } });
  config.server = { ...config.server, rateLimitPerMinute: 1_000_000_000, maxConcurrentModelCalls: 1000 };
  const kb = await openKnowledgeBase(config, { create: true });
  await runIndex(kb, { roots: [data] });
  let errorLogs = 0;
  const errorSamples: string[] = [];
  const logger = pino({ level: 'warn' }, {
    write: (line: string) => {
      if ((JSON.parse(line) as { level: number }).level >= 50) {
        errorLogs++;
        if (errorSamples.length < 5) errorSamples.push(line.slice(0, 400));
      }
    },
  });
  const stall = monitorEventLoopDelay({ resolution: 10 });
  stall.enable();
  const answerer = createExtractiveAnswerer();
  const open = createKnowledgeBaseApp({ config, kb, answerer, logger, apiKeys: [] });
  const keyed = createKnowledgeBaseApp({ config, kb, answerer, logger, apiKeys: parseApiKeys(`ops:admin:${ADMIN_KEY},ci:reader:${READER_KEY}`) });
  const a = await startServer({ app: open.app, host: '127.0.0.1', port: 0, authEnabled: false });
  const b = await startServer({ app: keyed.app, host: '127.0.0.1', port: 0, authEnabled: true });
  const stats = (): ServerStats => ({ rssMb: process.memoryUsage().rss / 1048576, stallMaxMs: stall.max / 1e6, errorLogs, errorSamples });
  process.on('message', async (message: string) => {
    if (message === 'stats') process.send!({ stats: stats() });
    if (message === 'reset-stall') stall.reset();
    if (message === 'stop') {
      await Promise.all([open.close(), keyed.close()]);
      await Promise.all([a.close(1000), b.close(1000)]);
      await kb.close();
      process.exit(0);
    }
  });
  // The fuzzer gone (finished or crashed) means this server goes too.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ports: [a.port, b.port], stats: stats() });
}

interface Outcome {
  status: number | 'no-response' | 'closed';
  kind: string;
}

/** Parent: the fuzzer. */
async function fuzz(): Promise<void> {
  const total = Number(process.env.FUZZ_REQUESTS ?? 12_000);
  const deadline = Date.now() + Number(process.env.FUZZ_SECONDS ?? 180) * 1000;
  const timeoutMs = Number(process.env.FUZZ_TIMEOUT_MS ?? 10_000);
  const concurrency = 16;
  const rand = mulberry32(Number(process.env.FUZZ_SEED ?? 9));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const int = (max: number) => Math.floor(rand() * max);

  const dir = mkdtempSync(join(tmpdir(), 'kb-fuzz-'));
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.on('exit', () => child.kill());
  const messages: Array<(m: Record<string, unknown>) => void> = [];
  child.on('message', (m: Record<string, unknown>) => messages.shift()?.(m));
  const next = () => new Promise<Record<string, unknown>>((resolve) => messages.push(resolve));
  const ask = async (what: string) => {
    const reply = next();
    child.send(what);
    return ((await reply).stats as ServerStats);
  };
  const ready = await next();
  const [openPort, keyedPort] = ready.ports as [number, number];
  const before = ready.stats as ServerStats;
  child.send('reset-stall');

  const byStatus = new Map<string, number>();
  const byKind = new Map<string, { tried: number; handled: number }>();
  const fiveHundreds: string[] = [];
  let hangs = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

  const record = (o: Outcome, detail: string) => {
    const key = String(o.status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    const k = byKind.get(o.kind) ?? { tried: 0, handled: 0 };
    k.tried++;
    const handled = typeof o.status === 'number' ? o.status < 500 : o.status === 'closed';
    if (handled) k.handled++;
    byKind.set(o.kind, k);
    if (typeof o.status === 'number' && o.status >= 500 && fiveHundreds.length < 10) fiveHundreds.push(`${o.status} ${detail}`);
    if (o.status === 'no-response') hangs++;
  };

  /** One request through node:http (keep-alive); `no-response` after the timeout. */
  const send = (port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<number | 'no-response' | 'closed'> =>
    new Promise((resolve) => {
      let settled = false;
      const done = (v: number | 'no-response' | 'closed') => {
        if (!settled) {
          settled = true;
          resolve(v);
        }
      };
      // node:http refuses to send raw non-ASCII in a path; raw bytes go through sendRaw instead.
      const sendable = path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
      const req = request({ host: '127.0.0.1', port, method, path: sendable, headers, agent, setHost: !('Host' in headers) }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done(res.statusCode ?? 0));
        res.on('close', () => done(res.statusCode ?? 0));
      });
      req.setTimeout(timeoutMs, () => {
        done('no-response');
        req.destroy();
      });
      req.on('error', () => done('closed'));
      req.end(body);
    });

  /** Raw bytes on a fresh socket; the status line of whatever comes back, `closed` if the server just hangs up. */
  const sendRaw = (port: number, bytes: Buffer): Promise<number | 'no-response' | 'closed'> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('no-response');
      }, timeoutMs);
      socket.on('data', (b) => {
        got += b.toString('latin1');
      });
      const finish = () => {
        clearTimeout(timer);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
        resolve(m ? Number(m[1]) : 'closed');
      };
      socket.on('close', finish);
      socket.on('error', () => undefined);
      socket.write(bytes);
      socket.end();
    });

  const routes = ['/v1/query', '/v1/retrieve', '/v1/documents', '/v1/documents/1', '/v1/index', '/v1/jobs/00000000-0000-4000-8000-000000000000', '/healthz', '/readyz', '/metrics', '/openapi.json', '/', '/app.js', '/v1/config', '/nope'];
  const badEncodings = ['%zz', '%E0%A4%A', '%', '%%', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2F..%2F', '%u0041'];
  const looseIds = ['0x2', '2e0', '+2', '%202', '%20', '2%20', '-1', '0', '1.0', '99999999999999999999999', '٢', 'NaN', 'Infinity', '1,2', '00002', '2;', '2?x=1'];
  const globs = ['docs/*?*?*?*?*?*?*?Z', `${'*?'.repeat(16)}Z`, `${'*'.repeat(40)}`, `${'a'.repeat(300)}`, `${'{a,b}'.repeat(8)}`, '{{{{{{{{', '**/**/**/**/**/**/*.md', '[a-', '(?:x)+$', '\\', `docs/${'*/'.repeat(30)}x`];
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE'];
  const jsonBodies = (): string => pick([
    '{"question": "unterminated', '{"question":', '[', 'null', 'true', '"string"', '123', '{}', '{"question": 5}', '{"question": ""}',
    `{"question": "${'x'.repeat(3000)}"}`, '{"question":"notice","topK":-5}', '{"question":"notice","topK":1e309}', '{"__proto__":{"admin":true},"question":"q"}',
    '{"question":"notice","filters":{"pathGlob":' + JSON.stringify(pick(globs)) + '}}', '{"query":"notice","filters":{"tags":[' + '"t",'.repeat(60) + '"t"]}}',
    '['.repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(3000) + '1' + '}'.repeat(3000), '{"question":"\\ud800"}', '\u0000\u0001\u0002', '{"question":"notice","history":[{"role":"system","content":"x"}]}',
    '{"question":"notice","stream":true}', '{"question":"notice","params":{"temperature":"hot"}}', '{"question":"q","question":"r"}',
  ]);
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));

  const generators: Array<() => Promise<Outcome>> = [
    async () => ({ kind: 'bad URL encoding', status: await send(openPort, pick(['GET', 'DELETE']), `${pick(['/v1/documents/', '/v1/jobs/', '/v1/documents?pathPrefix=', '/'])}${pick(badEncodings)}${pick(['', 'x', '%zz'])}`, {}) }),
    async () => ({ kind: 'loose id', status: await send(pick([openPort, keyedPort]), pick(['GET', 'DELETE']), `/v1/documents/${pick(looseIds)}`, { Authorization: `Bearer ${READER_KEY}` }) }),
    async () => ({ kind: 'wrong method', status: await send(openPort, pick(methods), pick(routes), {}) }),
    async () => ({ kind: 'bad JSON', status: await send(pick([openPort, keyedPort]), 'POST', pick(['/v1/query', '/v1/retrieve']), { 'Content-Type': 'application/json', Authorization: `Bearer ${READER_KEY}` }, jsonBodies()) }),
    async () => ({ kind: 'bad gzip', status: await send(openPort, 'POST', '/v1/retrieve', { 'Content-Type': 'application/json', 'Content-Encoding': pick(['gzip', 'deflate', 'br', 'gzip, gzip', 'identity', 'x-weird']) }, Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256)))) }),
    async () => ({ kind: 'gzip bomb', status: await send(openPort, 'POST', '/v1/retrieve', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, bomb) }),
    async () => ({ kind: 'ReDoS or giant glob', status: await send(openPort, 'POST', '/v1/retrieve', { 'Content-Type': 'application/json' }, JSON.stringify({ question: 'notice period', filters: { pathGlob: pick(globs) + (rand() < 0.5 ? String(int(1e6)) : '') } })) }),
    async () => ({ kind: 'oversized body', status: await send(openPort, 'POST', pick(['/v1/query', '/v1/retrieve']), { 'Content-Type': 'application/json' }, JSON.stringify({ question: 'x'.repeat(70_000 + int(200_000)) })) }),
    async () => ({ kind: 'odd headers', status: await send(openPort, 'GET', pick(routes), pick([
      { 'X-Huge': 'a'.repeat(20_000) }, { Host: pick(['attacker.example', `attacker.example:${openPort}`, `localhost:${openPort + 1}`, '[::1', 'localhost:99999']) },
      { Accept: 'text/event-stream', 'Accept-Encoding': '*'.repeat(1000) }, { 'Content-Type': 'application/json; charset=utf-7' }, { 'X-Request-Id': '\u00ff'.repeat(200) }, { Authorization: 'Bearer ' + 'k'.repeat(8000) },
      Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`X-H${i}`, String(i)])),
    ])) }),
    async () => ({ kind: 'cross-site state change', status: await send(openPort, pick(['POST', 'DELETE']), pick(['/v1/index', '/v1/documents/1']), pick<Record<string, string>>([{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'null' }])) }),
    async () => ({ kind: 'failed login', status: await send(keyedPort, 'GET', '/v1/documents', { Authorization: `Bearer wrong-${int(1e9)}-0123456789abcdef` }) }),
    async () => ({ kind: 'random bytes', status: await sendRaw(pick([openPort, keyedPort]), Buffer.from(Array.from({ length: 1 + int(2000) }, () => int(256)))) }),
    async () => ({ kind: 'malformed HTTP', status: await sendRaw(openPort, Buffer.from(pick([
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef',
      'POST /v1/retrieve HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\n',
      `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 'GET / HTTP/9.9\r\n\r\n', 'GET /\u0000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'POST /v1/retrieve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n',
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${openPort}\r\nConnection: close\r\n\r\n`,
    ]), 'latin1')) }),
    async () => ({ kind: 'valid query', status: await send(openPort, 'POST', pick(['/v1/query', '/v1/retrieve']), { 'Content-Type': 'application/json', Accept: pick(['application/json', 'text/event-stream']) }, JSON.stringify({ question: pick(['notice period', 'travel approval', 'team 3']), topK: 1 + int(20) })) }),
  ];

  // Slow clients: sockets that send half a request and stall, held while everything else runs.
  const slow = Array.from({ length: 40 }, () => {
    const socket = connect(openPort, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`POST /v1/query HTTP/1.1\r\nHost: 127.0.0.1:${openPort}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"question":`);
    return socket;
  });

  const started = Date.now();
  let sent = 0;
  const worker = async () => {
    while (sent < total && Date.now() < deadline) {
      sent++;
      const generate = pick(generators);
      const outcome = await generate();
      record(outcome, `${outcome.kind} #${sent}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedS = (Date.now() - started) / 1000;
  const slowClosed = slow.filter((s) => s.destroyed || s.readableEnded).length;
  for (const s of slow) s.destroy();

  const health = await send(openPort, 'GET', '/healthz', {});
  const healthMs = await (async () => {
    const t = performance.now();
    await send(openPort, 'GET', '/healthz', {});
    return performance.now() - t;
  })();
  const after = await ask('stats');
  const stop = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await stop;
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });

  const fiveXX = [...byStatus].filter(([s]) => /^5/.test(s)).reduce((n, [, c]) => n + c, 0);
  const lines = [
    `fuzz:server — ${sent} hostile requests in ${elapsedS.toFixed(1)} s (seed ${process.env.FUZZ_SEED ?? 9}, ${concurrency} at a time, timeout ${timeoutMs} ms)`,
    `responses by status: ${[...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([s, c]) => `${s}: ${c}`).join(', ')}`,
    `5xx responses: ${fiveXX}${fiveHundreds.length ? ` (${fiveHundreds.join('; ')})` : ''}`,
    `hangs (no response within ${timeoutMs} ms): ${hangs}`,
    `error-level log lines in the server: ${after.errorLogs}${after.errorSamples.length ? `\n  ${after.errorSamples.join('\n  ')}` : ''}`,
    `longest event-loop stall in the server: ${after.stallMaxMs.toFixed(1)} ms`,
    `slow clients: ${slow.length} half-sent requests held open during the run (${slowClosed} closed by the server before the end)`,
    `/healthz after: ${health}${health === 200 ? ' ok' : ''} in ${healthMs.toFixed(1)} ms`,
    `server RSS: ${before.rssMb.toFixed(0)} MB before, ${after.rssMb.toFixed(0)} MB after`,
    'by kind (handled = a response below 500, or a closed connection for raw garbage):',
    ...[...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k.padEnd(26)} ${v.handled}/${v.tried}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = fiveXX || hangs || after.errorLogs || health !== 200 ? 1 : 0;
}

#!/usr/bin/env node
// The AWS SDK warns on Node 20 at client creation; it is noise for our users, who cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `kb ask ... | head` closes our stdout early: that is the reader being done, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { runCli } = await import('./run-cli.js');
const controller = new AbortController();
let interrupts = 0;
// SIGINT from a terminal, SIGTERM from systemd or a container runtime: stop cleanly, keep what is committed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
}
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal });
process.exitCode = code;

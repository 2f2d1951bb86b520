import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import type { KbApiHandler } from '../bedrock-kb-api/kb-api-handler.js';
import { serveHttp1AndH2c } from '../bedrock-kb-api/serve-http1-and-h2c.js';

export interface StartServerOptions {
  app: RequestListener;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  authEnabled: boolean;
  /** Allows a non-loopback bind without API keys: anyone who can reach the port can read and delete. */
  insecureNoAuth?: boolean;
  /** Also answer the Bedrock-compatible API over HTTP/2 cleartext (the AWS SDK's protocol) on the same port. */
  kbApi?: KbApiHandler;
}

export interface RunningServer {
  /** The HTTP/1 server; absent when the port is shared with HTTP/2 (`kbApi`). */
  server?: Server;
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** Slow-header and slow-body clients must not hold sockets for long; responses (streams) are not limited. */
const SLOW_CLIENT_LIMITS = { firstByteTimeoutMs: 15_000, headersTimeoutMs: 15_000, requestTimeoutMs: 60_000 };

/** Listens on host:port. Refuses to serve without auth on anything but loopback unless told it is on purpose. */
export async function startServer({ app, host, port, authEnabled, insecureNoAuth = false, kbApi }: StartServerOptions): Promise<RunningServer> {
  if (!authEnabled && !isLoopback(host) && !insecureNoAuth) {
    throw new UsageError(
      `Refusing to serve on ${host} without API keys: anyone who can reach it could read and delete documents. ` +
        `Set KB_API_KEYS (id:role:key,...) or server.apiKeys, bind to 127.0.0.1, or pass --insecure-no-auth if this network is trusted.`,
    );
  }
  if (kbApi) return startDual(app, kbApi, host, port);
  const server = createServer(app);
  server.headersTimeout = SLOW_CLIENT_LIMITS.headersTimeoutMs;
  server.requestTimeout = SLOW_CLIENT_LIMITS.requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new UsageError(`Port ${port} on ${host} is in use; pick another with --port.`, { cause: error }) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

async function startDual(app: RequestListener, kbApi: KbApiHandler, host: string, port: number): Promise<RunningServer> {
  const dual = serveHttp1AndH2c(app, kbApi, SLOW_CLIENT_LIMITS);
  const bound = await dual.listen(port, host).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' ? new UsageError(`Port ${port} on ${host} is in use; pick another with --port.`, { cause: error }) : error;
  });
  const shownHost = host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host;
  return { url: `http://${shownHost}:${bound}`, port: bound, close: (graceMs = 10_000) => dual.close(graceMs) };
}

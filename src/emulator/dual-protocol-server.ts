import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';

export type EmulatorRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** What the emulator uses of a response; HTTP/1 and HTTP/2 compatibility responses both provide it. */
export interface EmulatorResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array): unknown;
  end(): unknown;
  end(body: string): unknown;
  on(event: 'close', listener: () => void): unknown;
  destroy(): unknown;
}

export interface DualProtocolServer {
  /** Resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting; open requests get up to `graceMs` (default 0: cut at once), then every socket is cut. */
  close(graceMs?: number): Promise<void>;
}

export interface DualProtocolOptions {
  /** A connection that sends no byte within this is dropped (it never reaches either HTTP server's own timers). */
  firstByteTimeoutMs?: number;
  /** HTTP/1 `headersTimeout` and `requestTimeout` (Node's defaults when unset). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * One port for HTTP/2 cleartext (the AWS SDK talks h2 even to a custom http:// endpoint) and HTTP/1.1 (curl).
 * Node 20's http2.createServer only honours `allowHTTP1` with TLS, so the first bytes of each connection pick
 * the protocol: an HTTP/2 connection opens with the "PRI * HTTP/2.0" preface, no HTTP/1 method is "PRI".
 */
export function createDualProtocolServer(
  handler: (req: EmulatorRequest, res: EmulatorResponse) => void,
  { firstByteTimeoutMs, headersTimeoutMs, requestTimeoutMs }: DualProtocolOptions = {},
): DualProtocolServer {
  const h2 = http2.createServer({}, handler);
  // Node checks headersTimeout/requestTimeout on this interval (default 30 s); a short limit needs a short interval.
  const h1 = http.createServer({ connectionsCheckingInterval: Math.min(30_000, headersTimeoutMs ?? 30_000) }, handler);
  if (headersTimeoutMs !== undefined) h1.headersTimeout = headersTimeoutMs;
  if (requestTimeoutMs !== undefined) h1.requestTimeout = requestTimeoutMs;
  const sessions = new Set<http2.ServerHttp2Session>();
  let connecting: net.Socket | undefined;
  h2.on('session', (session) => {
    sessions.add(session);
    sessionPeers.set(session, connecting?.remoteAddress);
    session.once('close', () => sessions.delete(session));
  });
  const sockets = new Set<net.Socket>();
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that resets before sending anything must not crash the emulator.
    socket.on('error', () => socket.destroy());
    if (firstByteTimeoutMs) socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      if (first.subarray(0, 3).toString('latin1') === 'PRI') {
        // http2 wraps the replaying stream in a socket of its own that knows no peer: note it per session.
        connecting = socket;
        h2.emit('connection', replaying(socket, first));
        connecting = undefined;
      } else {
        socket.unshift(first);
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        front.once('error', reject);
        front.listen(port, host, () => {
          // h1 never listens itself (it is handed sockets), and Node starts enforcing headersTimeout and
          // requestTimeout on a server's 'listening' event: without this, a slow-header client is never cut.
          h1.emit('listening');
          resolve((front.address() as net.AddressInfo).port);
        });
      });
    },
    close(graceMs = 0) {
      return new Promise((resolve) => {
        const cut = () => {
          for (const socket of sockets) socket.destroy();
        };
        const timer = setTimeout(cut, graceMs);
        timer.unref();
        front.close(() => {
          clearTimeout(timer);
          resolve();
        });
        h1.close();
        h1.closeIdleConnections();
        h2.close();
        // Lets open streams finish, then ends the session (an idle SDK connection ends at once).
        for (const session of sessions) session.close();
        if (graceMs <= 0) cut();
      });
    },
  };
}

/**
 * The socket as a plain Duplex that first yields the bytes already read. The http2 server reads a real socket
 * through its native handle, which would skip bytes pushed back with unshift(); a Duplex it reads in JS.
 */
function replaying(socket: net.Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, callback) => socket.write(chunk, callback),
    final: (callback) => socket.end(callback),
    destroy: (error, callback) => {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(first);
  socket.on('data', (chunk) => duplex.push(chunk) || socket.pause());
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  socket.on('error', (error) => duplex.destroy(error));
  return duplex;
}

const sessionPeers = new WeakMap<http2.Http2Session, string | undefined>();

/** The client's address, for an HTTP/1.1 request or an HTTP/2 one on this server (whose socket knows no peer). */
export function peerAddress(req: EmulatorRequest): string | undefined {
  const session = 'stream' in req ? req.stream?.session : undefined;
  return session ? sessionPeers.get(session) : req.socket?.remoteAddress;
}

export async function readBody(req: EmulatorRequest): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

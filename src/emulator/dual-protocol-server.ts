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
  close(): Promise<void>;
}

/**
 * One port for HTTP/2 cleartext (the AWS SDK talks h2 even to a custom http:// endpoint) and HTTP/1.1 (curl).
 * Node 20's http2.createServer only honours `allowHTTP1` with TLS, so the first bytes of each connection pick
 * the protocol: an HTTP/2 connection opens with the "PRI * HTTP/2.0" preface, no HTTP/1 method is "PRI".
 */
export function createDualProtocolServer(handler: (req: EmulatorRequest, res: EmulatorResponse) => void): DualProtocolServer {
  const h2 = http2.createServer({}, handler);
  const h1 = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that resets before sending anything must not crash the emulator.
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 3).toString('latin1') === 'PRI') {
        h2.emit('connection', replaying(socket, first));
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
        front.listen(port, host, () => resolve((front.address() as net.AddressInfo).port));
      });
    },
    close() {
      return new Promise((resolve) => {
        front.close(() => resolve());
        h2.close();
        h1.close();
        for (const socket of sockets) socket.destroy();
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

export async function readBody(req: EmulatorRequest): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

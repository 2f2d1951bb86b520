import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { createDualProtocolServer, type DualProtocolServer } from '../src/emulator/dual-protocol-server.js';

let server: DualProtocolServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Connects, writes `bytes` (if any), and resolves with what came back once the server closes the connection. */
async function sendAndWaitForClose(port: number, bytes?: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => (received += String(d)));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (bytes) socket.write(bytes);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return received;
}

test('a connection that sends nothing is dropped after firstByteTimeoutMs', async () => {
  server = createDualProtocolServer((_req, res) => res.end('ok'), { firstByteTimeoutMs: 200 });
  const port = await server.listen(0, '127.0.0.1');
  expect(await sendAndWaitForClose(port)).toBe('');
});

test('an HTTP/1 client that never finishes its headers gets 408 and is closed (headersTimeout is enforced on the shared port)', async () => {
  server = createDualProtocolServer((_req, res) => res.end('ok'), { headersTimeoutMs: 300, requestTimeoutMs: 600 });
  const port = await server.listen(0, '127.0.0.1');
  expect(await sendAndWaitForClose(port, 'GET / HTTP/1.1\r\nHost: x\r\n')).toMatch(/^HTTP\/1\.1 408/);
});

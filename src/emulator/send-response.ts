import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from './dual-protocol-server.js';
import { EVENT_STREAM_CONTENT_TYPE } from './event-stream.js';
import type { ServiceError } from './service-error.js';

export function sendJson(res: EmulatorResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(JSON.stringify(json));
}

/** The REST-JSON error shape: the SDK names the error after `x-amzn-errortype` (up to the colon). */
export function sendServiceError(res: EmulatorResponse, error: ServiceError): void {
  sendJson(res, error.httpStatus, { message: error.message }, {
    'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
}

/**
 * Writes event-stream frames as they are produced. Stops quietly when the client goes away mid-stream (the
 * frames' signal aborts), which is how a cancelled answer looks from the server.
 */
export async function sendEventStream(
  res: EmulatorResponse,
  frames: (signal: AbortSignal) => AsyncIterable<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<StreamEnd> {
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': randomUUID(), ...headers });
  let written = 0;
  try {
    for await (const frame of frames(closed.signal)) {
      if (closed.signal.aborted) break;
      res.write(frame);
      written++;
    }
    if (closed.signal.aborted) return { frames: written, cancelled: true };
    res.end();
    return { frames: written, cancelled: false };
  } catch (error) {
    if (!closed.signal.aborted) throw error;
    return { frames: written, cancelled: true };
  }
}

/** How a streamed reply ended: all its frames sent, or cut short because the client went away. */
export interface StreamEnd {
  frames: number;
  cancelled: boolean;
}

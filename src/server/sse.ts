import type { Response } from 'express';

/** A comment line every so often keeps proxies and load balancers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events on an Express response. Headers go out with the first event, not before, so a request
 * that fails before it has anything to say still gets a real HTTP status and problem+json.
 */
export function createEventStream(res: Response) {
  let heartbeat: NodeJS.Timeout | undefined;
  const open = () => {
    if (res.headersSent) return;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx buffers responses unless told not to, which would hold every token until the end.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
  };
  return {
    /** Whether any event was sent (after which errors must be events too). */
    get started() {
      return res.headersSent;
    },
    /** One event; JSON.stringify escapes newlines, so the data is always a single `data:` line. */
    send(event: string, data: unknown): void {
      if (res.writableEnded || res.destroyed) return;
      open();
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end(): void {
      clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    },
  };
}

export type EventStream = ReturnType<typeof createEventStream>;

/** Whether the client asked for a stream: `"stream": true`, or Accept: text/event-stream when the body does not say. */
export function wantsEventStream(accept: string | undefined, stream: boolean | undefined): boolean {
  return stream ?? (accept ?? '').toLowerCase().includes('text/event-stream');
}

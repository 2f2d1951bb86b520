import type { Response } from 'express';

/**
 * A signal that aborts when the client goes away before the response is complete, or when the server shuts
 * down: passed to retrieval and the model call so a closed tab stops paying for tokens.
 */
export function requestSignal(res: Response, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdown.reason);
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener('abort', onShutdown, { once: true });
  // `close` on the response, not the request: since Node 16 the request emits close once its body is read.
  res.once('close', () => {
    shutdown.removeEventListener('abort', onShutdown);
    if (!res.writableFinished) controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
  });
  return controller.signal;
}

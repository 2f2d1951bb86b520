import type { RequestListener } from 'node:http';
import { createDualProtocolServer, type DualProtocolOptions, type DualProtocolServer } from '../emulator/dual-protocol-server.js';
import { sendServiceError } from '../emulator/send-response.js';
import { ServiceError } from '../emulator/service-error.js';
import type { KbApiHandler } from './kb-api-handler.js';

/**
 * One port for the Express app (HTTP/1.1: browsers, curl, MCP clients) and the Bedrock-compatible API over
 * HTTP/2 cleartext, which the AWS SDK speaks even to an http:// endpoint. Express cannot serve HTTP/2
 * requests, so those go to the framework-free handler; anything else over HTTP/2 is not an operation.
 */
export function serveHttp1AndH2c(app: RequestListener, kbApi: KbApiHandler, options: DualProtocolOptions = {}): DualProtocolServer {
  return createDualProtocolServer((req, res) => {
    if (req.httpVersionMajor !== 2) return void app(req as Parameters<RequestListener>[0], res as unknown as Parameters<RequestListener>[1]);
    void kbApi(req, res).then((handled) => {
      if (!handled) sendServiceError(res, new ServiceError('UnknownOperationException', 404, `${req.method} ${req.url} is not an operation of this API.`));
    });
  }, options);
}

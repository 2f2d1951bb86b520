import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type Request, Router } from 'express';
import type { CollectionCatalog } from '../collections/collection-catalog.js';
import type { ScopedPrincipal } from '../collections/scope.js';
import { createKbMcpServer, type KbMcpServerOptions } from './create-mcp-server.js';

export interface McpHttpOptions {
  catalog: CollectionCatalog;
  /**
   * Who sent the request (from its API key); undefined means no valid key, answered 401. The server's own
   * auth does this for the REST routes; the same function serves here so keys and scopes are the same.
   */
  authenticate: (req: Request) => ScopedPrincipal | undefined | Promise<ScopedPrincipal | undefined>;
  version: string;
  maxBodyBytes?: number;
  onToolCall?: KbMcpServerOptions['onToolCall'];
  /** Aborts calls in flight when the server shuts down. */
  shutdown?: AbortSignal;
}

/**
 * POST /mcp: the Model Context Protocol over Streamable HTTP, stateless (a server and transport per request),
 * so no session outlives a revoked key and any replica can answer. GET and DELETE (server-initiated streams
 * and session ends) do not apply to a stateless server: 405, as the transport spec allows.
 */
export function mcpHttpRouter({ catalog, authenticate, version, maxBodyBytes = 1_000_000, onToolCall, shutdown }: McpHttpOptions): Router {
  const router = Router();
  router.post('/mcp', express.json({ limit: maxBodyBytes }), async (req, res, next) => {
    try {
      const principal = await authenticate(req);
      if (!principal) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json({ jsonrpc: '2.0', error: { code: -32001, message: 'Send an API key as "Authorization: Bearer <key>".' }, id: null });
        return;
      }
      const server = createKbMcpServer({ catalog, principal, version, ...(onToolCall ? { onToolCall } : {}) });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      const stop = () => void transport.close();
      shutdown?.addEventListener('abort', stop, { once: true });
      res.on('close', () => {
        shutdown?.removeEventListener('abort', stop);
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      next(error);
    }
  });
  const notAllowed: express.RequestHandler = (_req, res) => {
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'This MCP endpoint is stateless: send JSON-RPC with POST.' }, id: null });
  };
  router.get('/mcp', notAllowed);
  router.delete('/mcp', notAllowed);
  return router;
}

export type { CollectionCatalog };

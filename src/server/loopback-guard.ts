import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { ForbiddenError, MisdirectedRequestError } from './http-errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * For a server without API keys, where reaching the port is all it takes. DNS rebinding points a hostile name
 * at 127.0.0.1, so a page from attacker.example can read the API: the Host must be a loopback name, or the
 * server's own address as an IP literal (a rebinding needs a name), with the port the connection came in on.
 * A cross-site page can still send simple POSTs and DELETEs without reading the answer, so those must come from
 * the server's own origin (or one in server.corsOrigins), or from a client that is not a browser (no Origin).
 */
export function loopbackGuard({ corsOrigins = [] }: { corsOrigins?: string[] } = {}): RequestHandler {
  const allowedOrigins = new Set(corsOrigins);
  return (req, _res, next) => {
    const port = req.socket.localPort;
    const host = parseHost(req.headers.host);
    const ownAddress = req.socket.localAddress ?? '';
    const hostOk = host !== undefined && host.port === port && (LOOPBACK_NAMES.has(host.name) || (isIP(unbracket(host.name)) !== 0 && unbracket(host.name) === unmapped(ownAddress)));
    if (!hostOk) {
      return next(new MisdirectedRequestError(`This server has no API keys and answers only to Host localhost:${port}, 127.0.0.1:${port} or [::1]:${port}; set KB_API_KEYS to serve other names.`));
    }
    if (!STATE_CHANGING.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const own = parseOrigin(origin);
      const same = own !== undefined && own.port === port && (LOOPBACK_NAMES.has(own.name) || own.name === host.name);
      if (!same && !allowedOrigins.has(origin)) {
        return next(new ForbiddenError(`A ${req.method} from another site (Origin ${truncate(origin)}) is refused: this server has no API keys. Use the page this server serves, or set KB_API_KEYS.`));
      }
      return next();
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return next(new ForbiddenError(`A ${req.method} from another site (Sec-Fetch-Site: ${truncate(String(site))}) is refused: this server has no API keys.`));
    }
    next();
  };
}

function parseHost(value: string | undefined): { name: string; port: number } | undefined {
  const m = value === undefined ? null : /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::([0-9]{1,5}))?$/i.exec(value);
  return m ? { name: m[1]!.toLowerCase(), port: m[2] ? Number(m[2]) : 80 } : undefined;
}

function parseOrigin(value: string): { name: string; port: number } | undefined {
  try {
    const url = new URL(value);
    // Browsers send the serialized origin (scheme://host[:port], no default port); anything else is not ours.
    if (url.protocol !== 'http:' || url.origin !== value.toLowerCase()) return undefined;
    return { name: url.hostname.toLowerCase(), port: Number(url.port || 80) };
  } catch {
    return undefined;
  }
}

const unbracket = (name: string) => name.replace(/^\[|\]$/g, '');
const unmapped = (address: string) => address.replace(/^::ffff:/, '');
/** Header values are the client's: echo a bounded, printable part only. */
const truncate = (text: string) => JSON.stringify(text.slice(0, 80));

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { accessDenied, ServiceError } from './service-error.js';

/** The parts of an HTTP request that authentication looks at. */
export interface ReceivedRequest {
  method: string;
  /** Path with query string, exactly as received (the model id still percent-encoded). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface AuthOptions {
  /**
   * Secret access keys by access key id. Empty (the default): any key is accepted and only the shape of the
   * signature is checked. Otherwise an unknown key id is rejected and the signature is verified in full.
   */
  secrets?: Record<string, string>;
  /** Looks a secret up instead of `secrets` (a key store that can change while running); undefined: unknown key. */
  secretFor?: (accessKeyId: string) => string | undefined;
  now?: number;
}

const MAX_SKEW_MS = 15 * 60_000;

/**
 * Returns the scheme a request authenticated with, or throws the error Bedrock would answer. Accepted:
 * `Authorization: Bearer <token>` (any token), or a SigV4 `AWS4-HMAC-SHA256` header with Credential,
 * SignedHeaders and Signature, scoped to the service `bedrock` on the date of `x-amz-date`, signed at most
 * 15 minutes from now, with `host` (or `:authority`) and `x-amz-date` among the signed headers. The region
 * in the scope is not compared with anything; the signature itself is checked only for keys in `secrets`.
 */
export async function checkAuthorization(request: ReceivedRequest, { secrets = {}, secretFor, now = Date.now() }: AuthOptions = {}): Promise<'bearer' | 'sigv4'> {
  const authorization = header(request, 'authorization');
  // What bedrock-runtime answers an unsigned request (its body key is "Message"; the SDK reads either case):
  // https://github.com/karthink/gptel/issues/1397
  if (!authorization) throw accessDenied('Authorization header is missing');
  if (/^Bearer \S+$/.test(authorization)) return 'bearer';

  const params = parseSigV4(authorization);
  const amzDate = header(request, 'x-amz-date');
  const missing = [
    ...['Credential', 'SignedHeaders', 'Signature'].filter((p) => !params[p]).map((p) => `Authorization header requires '${p}' parameter.`),
    ...(amzDate ? [] : ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."]),
  ];
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ') || missing.length > 0) {
    const problems = missing.join(' ') || 'Unsupported authorization type.';
    throw new ServiceError('IncompleteSignatureException', 400, `${problems} Authorization=${authorization.split(' ')[0]}`);
  }
  const [accessKeyId, date, region, service, terminator] = params.Credential!.split('/');
  if (!accessKeyId || !date || !region || terminator !== 'aws4_request') {
    const expected = 'AKID/YYYYMMDD/region/bedrock/aws4_request';
    throw new ServiceError('IncompleteSignatureException', 400, `Credential should be of the form ${expected}, not '${params.Credential}'.`);
  }
  if (service !== 'bedrock') throw invalidSignature("Credential should be scoped to correct service: 'bedrock'.");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate!)) throw invalidSignature(`X-Amz-Date '${amzDate}' is not in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'.`);
  if (date !== amzDate!.slice(0, 8)) {
    throw invalidSignature(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate!.slice(0, 8)}', from 'x-amz-date'.`);
  }
  const signedAt = parseAmzDate(amzDate!);
  if (Math.abs(now - signedAt.getTime()) > MAX_SKEW_MS) {
    throw invalidSignature(`Signature expired: ${amzDate} is not within 15 min. of the server time ${toAmzDate(new Date(now))}.`);
  }
  const signedHeaders = params.SignedHeaders!.split(';');
  // The SDK signs `:authority` instead of `host` when it talks HTTP/2.
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) {
    throw invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!signedHeaders.includes('x-amz-date')) throw invalidSignature("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  if (!secretFor && Object.keys(secrets).length === 0) return 'sigv4';

  const secretAccessKey = secretFor ? secretFor(accessKeyId) : Object.hasOwn(secrets, accessKeyId) ? secrets[accessKeyId] : undefined;
  if (secretAccessKey === undefined) {
    throw new ServiceError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.');
  }
  const expected = await computeSignature(request, { accessKeyId, secretAccessKey, region, signedHeaders, signedAt });
  if (expected !== params.Signature) {
    throw invalidSignature(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return 'sigv4';
}

/** Signs the received request again with the known secret, over exactly the headers the client signed. */
async function computeSignature(
  request: ReceivedRequest,
  key: { accessKeyId: string; secretAccessKey: string; region: string; signedHeaders: string[]; signedAt: Date },
): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  for (const name of key.signedHeaders) {
    // Over HTTP/2 the host arrives as the :authority pseudo-header.
    headers[name] = (name === 'host' ? header(request, 'host') ?? header(request, ':authority') : header(request, name)) ?? '';
  }
  const sessionToken = headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service: 'bedrock',
    region: key.region,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const url = new URL(request.url, 'http://emulator');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? [query[name]!].flat().concat(value) : value;
  const pathOnly = request.url.split('?')[0]!;
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: url.hostname, path: pathOnly, query, headers, body: request.body },
    { signingDate: key.signedAt },
  );
  return parseSigV4(String(signed.headers.authorization ?? '')).Signature;
}

function parseSigV4(authorization: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const part of authorization.replace(/^\S+\s*/, '').split(',')) {
    const [name, ...value] = part.trim().split('=');
    if (name) params[name] = value.join('=');
  }
  return params;
}

function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function invalidSignature(message: string): ServiceError {
  return new ServiceError('InvalidSignatureException', 403, message);
}

function parseAmzDate(value: string): Date {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value)!.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d, h, mi, s));
}

function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** SHA-256 (or HMAC-SHA256 with a key) in the shape the Smithy signer expects. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : ArrayBuffer.isView(this.secret)
      ? new Uint8Array(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
      : new Uint8Array(this.secret);
    return createHmac('sha256', key);
  }
}

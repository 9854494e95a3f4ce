/**
 * The one HTTP seam of the agent. `nodeTransport` speaks node:http/https directly (the default of
 * the DDI client and of downloads): it lets a device present a client certificate (mTLS), and it
 * is the lighter of the two in memory (Node's fetch loads undici on first use, some 20 MB of
 * resident memory on Node 20, measured with `npm run bench -- agent`). `fetchTransport` is
 * Node's global fetch. Both stream response bodies.
 *
 * fetchTransport follows redirects (fetch drops Authorization on a cross-origin redirect);
 * nodeTransport does not follow them (a 3xx is returned to the caller as is; the Osprey server
 * serves artifacts itself).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface HttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** A response header (lower- or mixed-case name), or undefined. */
  header(name: string): string | undefined;
  /** The body, read once. */
  body: AsyncIterable<Uint8Array>;
  /** Stop reading and release the connection. */
  cancel(): void;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export const fetchTransport: HttpTransport = async (req) => {
  const controller = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, controller.signal]) : controller.signal;
  const res = await fetch(req.url, {
    method: req.method ?? 'GET',
    headers: req.headers ?? {},
    signal,
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  const body = res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
  // A body that is cancelled unread must not surface as an uncaught 'error' event; readers
  // (for await) still see the error.
  body.on('error', () => undefined);
  return {
    status: res.status,
    header: (name) => res.headers.get(name) ?? undefined,
    body,
    cancel: () => {
      body.destroy();
      controller.abort();
    },
  };
};

export interface TlsClientOptions {
  /** PEM client certificate (chain) for mTLS. */
  cert?: string | Buffer;
  /** PEM private key of the client certificate. */
  key?: string | Buffer;
  /** PEM CA certificates to trust instead of the system store. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Server name for SNI and certificate checks, when it differs from the URL's host. */
  servername?: string;
}

/** node:http(s) transport, with an optional client certificate (mTLS). */
export function nodeTransport(tls: TlsClientOptions = {}): HttpTransport {
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const isHttps = url.protocol === 'https:';
      if (!isHttps && url.protocol !== 'http:') {
        reject(new TypeError(`unsupported protocol ${url.protocol}`));
        return;
      }
      const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body);
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      if (body) headers['content-length'] = String(body.length);
      const options = {
        method: req.method ?? 'GET',
        headers,
        ...(req.signal ? { signal: req.signal } : {}),
        ...(isHttps ? { cert: tls.cert, key: tls.key, ca: tls.ca, servername: tls.servername } : {}),
      };
      const onResponse = (res: IncomingMessage) => {
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const value = res.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
          },
          body: res,
          cancel: () => {
            res.on('error', () => undefined);
            res.destroy();
          },
        });
      };
      const r = isHttps ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      r.on('error', reject);
      r.end(body);
    });
}

/** Read a whole body, refusing more than `maxBytes` (the connection is released either way). */
export async function readBody(res: HttpResponse, maxBytes: number, tooLarge: (received: number) => Error): Promise<Buffer> {
  const declared = Number(res.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.cancel();
    throw tooLarge(declared);
  }
  const parts: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of res.body) {
      received += chunk.byteLength;
      if (received > maxBytes) throw tooLarge(received);
      parts.push(Buffer.from(chunk));
    }
  } finally {
    if (received > maxBytes) res.cancel();
  }
  return Buffer.concat(parts);
}

/** A small client for the management API in tests: JSON in, status/JSON/text/bytes out. */

/** An `Authorization: Basic` value. */
export const basicAuth = (login: string, password: string): string => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

/** The admin user that startTestServer (testkit/server.ts) creates. */
export const TEST_ADMIN = basicAuth('admin', 'admin-password');

export interface RestResponse {
  status: number;
  /** The body parsed as JSON, or undefined for other answers (PEM, empty, binary). */
  json: any;
  text: string;
  bytes: Buffer;
  headers: Headers;
}

export type RestCall = (
  method: string,
  path: string,
  body?: unknown,
  /** An Authorization value ('' for none), or more headers. */
  options?: string | { authorization?: string; headers?: Record<string, string> },
) => Promise<RestResponse>;

/**
 * Calls `<baseUrl()>/rest/v1<path>`. A body that is a string is sent as raw JSON text (to test
 * malformed JSON), FormData as multipart, anything else as JSON.
 */
export function restClient(baseUrl: () => string, defaultAuthorization: string): RestCall {
  return async (method, path, body, options = {}) => {
    const opts = typeof options === 'string' ? { authorization: options } : options;
    const authorization = opts.authorization ?? defaultAuthorization;
    const isForm = body instanceof FormData;
    const res = await fetch(`${baseUrl()}/rest/v1${path}`, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' || isForm ? (body as string | FormData) : JSON.stringify(body) }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, bytes, headers: res.headers };
  };
}

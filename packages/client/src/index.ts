/**
 * The typed client of Osprey's management API (`/rest/v1`): `paths` is generated from
 * docs/openapi.json by openapi-typescript (`npm run openapi`), and openapi-fetch turns it into
 * calls whose paths, parameters, bodies and answers are checked by the compiler:
 *
 *   const api = managementClient({ baseUrl: 'http://127.0.0.1:8080', authorization: 'Bearer osp_…' });
 *   const target = await ok(api.GET('/rest/v1/targets/{controllerId}', { params: { path: { controllerId: 'dev01' } } }));
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export type ManagementClient = Client<paths>;

export interface ManagementClientOptions {
  /** The server, e.g. http://127.0.0.1:8080 (paths start with /rest/v1). */
  baseUrl: string;
  /** `Bearer osp_…` (an API token) or `Basic …`. */
  authorization: string;
  fetch?: typeof globalThis.fetch;
}

export function managementClient(options: ManagementClientOptions): ManagementClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: options.authorization },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** The hawkBit error body every 4xx/5xx carries. */
export interface ErrorBody {
  errorCode: string;
  message: string;
  exceptionClass?: string;
}

/** A refused call: its HTTP status and the server's error body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(body?.message ?? `the server answered ${status}`);
  }

  get errorCode(): string | undefined {
    return this.body?.errorCode;
  }
}

/** The answer's data, or an ApiError carrying the server's status and error body. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new ApiError(response.status, error as ErrorBody | undefined);
  return data as T;
}

/**
 * The console's one way to the server: the generated typed client (@osprey/client) with the
 * session's bearer token, on the page's own origin (the server that served the console).
 */
import { ApiError, managementClient, type ManagementClient } from '@osprey/client';

export { ApiError, ok } from '@osprey/client';
export type { components, paths } from '@osprey/client';

export interface ConsoleClientOptions {
  token: string;
  /** Called when the server says the session is over (401), so the console can ask to sign in again. */
  onUnauthorized: (error: ApiError) => void;
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
}

export function consoleClient(options: ConsoleClientOptions): ManagementClient {
  const client = managementClient({
    baseUrl: options.baseUrl ?? window.location.origin,
    authorization: `Bearer ${options.token}`,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use({
    async onResponse({ response }) {
      if (response.status === 401) {
        const body = await response
          .clone()
          .json()
          .catch(() => undefined);
        options.onUnauthorized(new ApiError(401, body));
      }
      return undefined;
    },
  });
  return client;
}

export type { ManagementClient };

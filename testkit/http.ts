/** Local HTTP(S) servers for tests: on the loopback, on a port the kernel picks (no clashes between parallel test files). */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

type LocalServer = HttpServer | HttpsServer;

/** Listens on 127.0.0.1 on a free port; resolves with the origin, e.g. `http://127.0.0.1:41234`. */
export async function listenOnLoopback(server: LocalServer, scheme: 'http' | 'https' = 'http'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops the server (if it was started) and resolves once it is closed. */
export function closeServer(server: LocalServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

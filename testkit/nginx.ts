/**
 * A reverse proxy of a test's own: Debian's nginx in front of several Osprey instances, round-robin,
 * on a free port with its configuration and temporary paths in a temp directory. Configured as
 * docs/operations.md recommends: no buffering of responses (the live channel and large downloads
 * stream), no request buffering (uploads stream), long read timeouts, and a failed connection to
 * one instance retried on the next. Each response names the instance that answered in
 * `X-Osprey-Upstream`, so a test can tell where a request landed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';

const NGINX = '/usr/sbin/nginx';

export interface Proxy {
  url: string;
  /** The last lines nginx wrote to its error log (for failure messages). */
  errors(): string;
  stop(): Promise<void>;
}

/** Whether nginx is installed (.ci/install-system-packages installs nginx-light). */
export function hasNginx(): boolean {
  try {
    execFileSync(NGINX, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `upstreams`: host:port of each instance. */
export async function startProxy(upstreams: readonly string[]): Promise<Proxy> {
  const dir = makeTempDir('osprey-nginx-');
  const port = await freePort();
  // Run as root, nginx's workers drop to `nobody`: they must reach the temporary paths.
  chmodSync(dir, 0o755);
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { mode: 0o777 });
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream osprey {
${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      proxy_pass http://osprey;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout;
      add_header X-Osprey-Upstream $upstream_addr always;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const readErrors = () => {
    try {
      return execFileSync('tail', ['-n', '20', errorLog], { encoding: 'utf8' }) + stderr;
    } catch {
      return stderr;
    }
  };
  // Ready once it answers (any status: the upstreams may not be up yet).
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${readErrors()}`);
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (attempt > 100) throw new Error(`nginx did not answer on ${url}: ${readErrors()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    errors: readErrors,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

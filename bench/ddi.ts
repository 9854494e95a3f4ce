/**
 * `npm run bench -- ddi [--duration S] [--connections N] [--devices N] [--rounds N] [--postgres URL]
 *                       [--skip-download] [--request-attributes] [--cpu-prof DIR] [--check]`
 *
 * The device-facing server under load, each number next to a baseline measured in the same run:
 *
 * 1. Root poll throughput. Authenticated DDI root polls (`GET /DEFAULT/controller/v1/{id}` with
 *    `Authorization: TargetToken …`) spread over --devices registered targets without a pending
 *    action, against a bare fastify JSON hello-world receiving the very same requests. autocannon
 *    (in this process) with a fixed number of connections for a fixed time, alternating rounds,
 *    medians of req/s and of p99 latency. Goal: Osprey ≥ 0.5 × hello-world.
 * 2. Artifact download throughput. A 64 MiB artifact downloaded whole, over and over for a fixed
 *    time, by 16 concurrent clients (16 targets, each with its own action for a distribution set
 *    holding the module) through the DDI download link, against nginx serving the same file with
 *    sendfile. Goal: Osprey ≥ 0.6 × nginx. Skipped with one line when nginx is not installed.
 * 3. Peak RSS (VmHWM) of the Osprey server process at the end of it all. That process is a
 *    restart on the database a first start created and seeded (whose own peak is shown for scale).
 * 4. Direct downloads (#16), when Ceph is installed: the same artifact in an S3 bucket on a one-node
 *    Ceph RGW (testkit/ceph.ts), an Osprey server on that S3 store with presigned direct downloads;
 *    the same 16 clients download it through the server (its download route, streaming from S3)
 *    and through presigned URLs from RGW (each download first asks deploymentBase for its link, as
 *    a device does). Printed: throughput of each, the server process's CPU seconds per downloaded
 *    GiB in each mode (and for the file store of part 2), and that server's peak RSS. RGW runs on
 *    the same cores; its CPU is not the server's and is not counted. Skipped with one line without
 *    Ceph or with --skip-direct.
 *
 * Servers run in child processes (bench/ddi-server-child.ts, nginx) so that the load generator
 * does not share an event loop with what it measures. On a two-core machine the generator and the
 * server still compete for CPU: the table shows each side's CPU use so that a generator-bound
 * baseline is visible as such. Prints a table for people and a last line `result: {json}` for CI;
 * `--check` makes the process exit 1 when a goal is missed. Never asserts durations.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, connect } from 'node:net';
import { cpus } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { once, setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { hasCeph, startS3, type S3Service } from '../testkit/ceph.js';
import { kibToMB, MB, median, REPO_ROOT, round1, round3, parseOrExplain, positive, transpileChild, verdict } from './common.js';
import { pollControllerId, targetToken, type HelloReady, type OspreyReady, type OspreySpec } from './ddi-common.js';

const POLL_RATIO_GOAL = 0.5;
const DOWNLOAD_RATIO_GOAL = 0.6;
const ARTIFACT_MIB = 64;
const DOWNLOAD_CLIENTS = 16;
const ARTIFACT_NAME = 'artifact.bin';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const DIRECT_BUCKET = 'osprey-bench';
/** Untimed load before the rounds: JIT, PGlite/PostgreSQL caches, page cache, TCP slow start. */
const WARMUP_SECONDS = 3;

const SERVER_CHILD = fileURLToPath(new URL('./ddi-server-child.ts', import.meta.url));

const USAGE =
  'usage: npm run bench -- ddi [--duration S (10)] [--connections N (32)] [--devices N (10000)] [--rounds N (3)]\n' +
  '         [--postgres ADMIN_URL] [--skip-download] [--skip-direct] [--request-attributes] [--cpu-prof DIR] [--check]';

interface Options {
  duration: number;
  connections: number;
  devices: number;
  rounds: number;
  postgres: string | undefined;
  skipDownload: boolean;
  skipDirect: boolean;
  requestAttributes: boolean;
  cpuProf: string | undefined;
  check: boolean;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      devices: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '3' },
      postgres: { type: 'string' },
      'skip-download': { type: 'boolean', default: false },
      'skip-direct': { type: 'boolean', default: false },
      'request-attributes': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (values.postgres !== undefined && !/^postgres(ql)?:\/\//.test(values.postgres))
    throw new Error(`--postgres wants a postgres://… URL of a server where a database may be created`);
  return {
    duration: positive(values.duration, '--duration', false),
    connections: positive(values.connections, '--connections', true),
    devices: positive(values.devices, '--devices', true),
    rounds: positive(values.rounds, '--rounds', true),
    postgres: values.postgres,
    skipDownload: values['skip-download'],
    skipDirect: values['skip-direct'],
    requestAttributes: values['request-attributes'],
    cpuProf: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    check: values.check,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes.
// ---------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();

/** Start a node child that prints one JSON line `{ ready: true, … }` when it serves. */
function startNodeChild<T>(childJs: string, args: string[], nodeArgs: string[] = []): Promise<{ child: ChildProcess; ready: T }> {
  return new Promise((resolvePromise, reject) => {
    // stdin is a pipe the child watches: should this process die without cleaning up, it exits.
    const child = spawn(process.execPath, [...nodeArgs, childJs, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    liveChildren.add(child);
    let out = '';
    const onData = (text: string): void => {
      out += text;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining anything else it prints
      try {
        const ready = JSON.parse(out.slice(0, newline)) as T & { ready?: boolean };
        if (ready.ready !== true) throw new Error('not a ready line');
        resolvePromise({ child, ready });
      } catch {
        reject(new Error(`ddi child '${args[0]}' printed ${JSON.stringify(out.slice(0, newline))} instead of a ready line`));
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      liveChildren.delete(child);
      reject(new Error(`ddi child '${args[0]}' exited (${code ?? signal}) before it was ready`));
    });
  });
}

/** SIGTERM (the children close gracefully: nginx fast shutdown, Osprey's close()), then SIGKILL. */
async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  liveChildren.delete(child);
}

let clockTicks: number | undefined;
/** CPU seconds (user + system, all threads) a live process has used so far; undefined if unknown. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** VmHWM (peak RSS of this process image) and VmRSS of a live process, in KiB. */
function memoryOf(pid: number): { peakKiB: number; rssKiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakKiB: field('VmHWM'), rssKiB: field('VmRSS') };
  } catch {
    return undefined;
  }
}

/** Run `work`, reporting the CPU use of the server process and of this process (the load side). */
async function withCpu<T>(
  serverPid: number | undefined,
  work: () => Promise<T>,
): Promise<{ value: T; serverCpuPct: number | null; serverCpuSeconds: number | null; loadCpuPct: number }> {
  const serverBefore = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
  const loadBefore = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const wall = (performance.now() - started) / 1000;
  const serverAfter = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
  const load = process.cpuUsage(loadBefore);
  return {
    value,
    serverCpuPct: serverBefore === undefined || serverAfter === undefined ? null : ((serverAfter - serverBefore) / wall) * 100,
    serverCpuSeconds: serverBefore === undefined || serverAfter === undefined ? null : serverAfter - serverBefore,
    loadCpuPct: ((load.user + load.system) / 1e6 / wall) * 100,
  };
}

// ---------------------------------------------------------------------------------------------
// Part 1: root polls with autocannon.
// ---------------------------------------------------------------------------------------------

interface PollRound {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  serverCpuPct: number | null;
  loadCpuPct: number;
}

/**
 * Every request goes to the next of the N devices, with that device's token (a running counter
 * shared by all connections, starting at a random device), precomputed so that the generator's
 * per-request work is the same small string copy for both servers.
 */
function pollRequests(devices: number, tokenKey: string): { paths: string[]; authorizations: string[] } {
  const paths: string[] = [];
  const authorizations: string[] = [];
  for (let i = 1; i <= devices; i++) {
    const id = pollControllerId(i);
    paths.push(`/DEFAULT/controller/v1/${id}`);
    authorizations.push(`TargetToken ${targetToken(tokenKey, id)}`);
  }
  return { paths, authorizations };
}

/**
 * One round of polls: for `seconds`, or (`amount`) exactly that many requests — `amount` equal to
 * the number of devices polls every device once, as a server that has been running for one poll
 * interval has seen them all.
 */
async function pollRound(
  baseUrl: string,
  serverPid: number,
  seconds: number,
  connections: number,
  requests: { paths: string[]; authorizations: string[] },
  amount?: number,
): Promise<PollRound> {
  let next = amount === undefined ? randomInt(requests.paths.length) : 0;
  const {
    value: r,
    serverCpuPct,
    loadCpuPct,
  } = await withCpu(serverPid, () =>
    autocannon({
      url: baseUrl,
      connections,
      pipelining: 1,
      ...(amount === undefined ? { duration: seconds } : { amount }),
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => {
            const i = next++ % requests.paths.length;
            request.path = requests.paths[i]!;
            request.headers = { ...request.headers, accept: 'application/hal+json', authorization: requests.authorizations[i]! };
            return request;
          },
        },
      ],
    }),
  );
  // Correctness, not speed: a 401 or 500 measured as fast polling would be a lie.
  if (r.non2xx > 0 || r.requests.total === 0) {
    throw new Error(
      `${baseUrl}: ${r.non2xx} of ${r.requests.total} answers were not 2xx (4xx ${r['4xx']}, 5xx ${r['5xx']}); status codes ${JSON.stringify(r.statusCodeStats ?? {})}`,
    );
  }
  if (r.errors > 0) console.warn(`  warning: ${baseUrl}: ${r.errors} connection errors (${r.timeouts} timeouts) in this round`);
  return { rps: r.requests.total / r.duration, p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r.requests.total, serverCpuPct, loadCpuPct };
}

async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** One good poll (200 with config.polling.sleep) and one bad token (401), before any measuring. */
async function checkPoll(ospreyUrl: string, helloUrl: string, devices: number, tokenKey: string, requestAttributes: boolean): Promise<string> {
  for (const i of [1, devices]) {
    const id = pollControllerId(i);
    const url = `${ospreyUrl}/DEFAULT/controller/v1/${id}`;
    const good = await getJson(url, { authorization: `TargetToken ${targetToken(tokenKey, id)}`, accept: 'application/hal+json' });
    const sleep = (good.body as { config?: { polling?: { sleep?: unknown } } } | undefined)?.config?.polling?.sleep;
    if (good.status !== 200 || typeof sleep !== 'string' || !/^\d{2}:\d{2}:\d{2}$/.test(sleep)) {
      throw new Error(`poll check: GET ${url} answered ${good.status} ${good.text.slice(0, 300)}; expected 200 with config.polling.sleep`);
    }
    const configData = (good.body as { _links?: { configData?: unknown } })._links?.configData !== undefined;
    if (configData !== requestAttributes)
      throw new Error(`poll check: configData link ${configData ? 'present' : 'absent'}, but request_attributes=${requestAttributes}`);
    const bad = await getJson(url, { authorization: `TargetToken ${targetToken(`${tokenKey}-wrong`, id)}` });
    if (bad.status !== 401) throw new Error(`poll check: a wrong token got ${bad.status}, expected 401: the poll is not authenticated`);
    if (i === devices) {
      const hello = await getJson(`${helloUrl}/DEFAULT/controller/v1/${id}`, {});
      if (hello.status !== 200 || hello.text !== '{"hello":"world"}') throw new Error(`baseline check: ${hello.status} ${hello.text}`);
      return good.text;
    }
  }
  throw new Error('unreachable');
}

// ---------------------------------------------------------------------------------------------
// Part 2: artifact downloads.
// ---------------------------------------------------------------------------------------------

interface Download {
  url: string;
  headers: Record<string, string>;
  /** Asked before each download for the link to fetch (direct downloads: the presigned URL deploymentBase gives). */
  link?: () => Promise<Download>;
}

/** GET one whole file; every chunk goes to onChunk. Rejects unless 200 with all Content-Length bytes. */
function downloadOnce(download: Download, agent: http.Agent, signal: AbortSignal | undefined, onChunk: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const request = http.get(download.url, { agent, headers: download.headers, ...(signal ? { signal } : {}) }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET ${download.url}: HTTP ${response.statusCode}`));
        return;
      }
      const expected = Number(response.headers['content-length']);
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        onChunk(chunk);
      });
      response.on('error', reject);
      response.on('end', () => (bytes === expected ? resolvePromise(bytes) : reject(new Error(`GET ${download.url}: ${bytes} of ${expected} bytes`))));
    });
    request.on('error', reject);
  });
}

async function downloadSha256(download: Download): Promise<{ sha256: string; bytes: number }> {
  const agent = new http.Agent({ keepAlive: false });
  const hash = createHash('sha256');
  try {
    const bytes = await downloadOnce(download, agent, undefined, (chunk) => hash.update(chunk));
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    agent.destroy();
  }
}

interface DownloadRound {
  MBps: number;
  bytes: number;
  seconds: number;
  completed: number;
  serverCpuPct: number | null;
  /** CPU seconds of the server process per GiB downloaded in the round. */
  serverCpuSecondsPerGiB: number | null;
  loadCpuPct: number;
}

/**
 * Each client (its own keep-alive connection, like a device) downloads the whole file again and
 * again; at the deadline, downloads in flight are aborted. Throughput = bytes received / time.
 */
async function downloadRound(downloads: Download[], serverPid: number | undefined, seconds: number, size: number): Promise<DownloadRound> {
  const { value, serverCpuPct, serverCpuSeconds, loadCpuPct } = await withCpu(serverPid, async () => {
    const deadline = new AbortController();
    setMaxListeners(downloads.length * 2 + 10, deadline.signal); // one listener per request in flight
    const timer = setTimeout(() => deadline.abort(), seconds * 1000);
    let bytes = 0;
    let completed = 0;
    const started = performance.now();
    try {
      await Promise.all(
        downloads.map(async (download) => {
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          try {
            while (!deadline.signal.aborted) {
              try {
                const target = download.link ? await download.link() : download;
                const got = await downloadOnce(target, agent, deadline.signal, (chunk) => (bytes += chunk.length));
                if (got !== size) throw new Error(`GET ${download.url}: ${got} bytes, the artifact has ${size}`);
                completed++;
              } catch (e) {
                if (deadline.signal.aborted) break;
                throw e;
              }
            }
          } catch (e) {
            deadline.abort(); // one failed client stops the round
            throw e;
          } finally {
            agent.destroy();
          }
        }),
      );
    } finally {
      clearTimeout(timer);
    }
    return { bytes, completed, seconds: (performance.now() - started) / 1000 };
  });
  return {
    MBps: value.bytes / MB / value.seconds,
    bytes: value.bytes,
    seconds: value.seconds,
    completed: value.completed,
    serverCpuPct,
    serverCpuSecondsPerGiB: serverCpuSeconds === null || value.bytes === 0 ? null : serverCpuSeconds / (value.bytes / GiB),
    loadCpuPct,
  };
}

async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = bytes; left > 0;) {
    const chunk = randomBytes(Math.min(left, MiB));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];
  return dirs.map((d) => join(d, 'nginx')).find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}) before it listened`);
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * nginx in the foreground, one process (`master_process off`: the one process serves, like the
 * one Osprey process), sendfile on, every path it writes inside `dir`, on a free loopback port.
 */
async function startNginx(bin: string, dir: string, root: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const path = (name: string): string => join(dir, name);
  const conf = `# generated by bench/ddi.ts
daemon off;
master_process off;
worker_processes 1;
pid ${path('nginx.pid')};
error_log ${path('nginx-error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${path('nginx-access.log')};
  client_body_temp_path ${path('nginx-tmp/body')};
  proxy_temp_path ${path('nginx-tmp/proxy')};
  fastcgi_temp_path ${path('nginx-tmp/fastcgi')};
  uwsgi_temp_path ${path('nginx-tmp/uwsgi')};
  scgi_temp_path ${path('nginx-tmp/scgi')};
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`;
  mkdirSync(path('nginx-tmp'), { recursive: true });
  writeFileSync(path('nginx.conf'), conf);
  // -e: the error log before the configuration is read (otherwise /var/log/nginx/error.log).
  const child = spawn(bin, ['-p', `${dir}/`, '-c', path('nginx.conf'), '-e', path('nginx-error.log')], { stdio: ['ignore', 'ignore', 'inherit'] });
  liveChildren.add(child);
  child.on('exit', () => liveChildren.delete(child));
  await waitForPort(port, child, 10_000);
  return { child, url: `http://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------
// Part 4: direct downloads (presigned URLs from Ceph RGW) against downloads through the server.
// ---------------------------------------------------------------------------------------------

type DirectSide = 'server' | 'presigned';

interface DirectResult {
  rounds: Record<DirectSide, DownloadRound[]>;
  MBps: Record<DirectSide, number>;
  cpuSecondsPerGiB: Record<DirectSide, number | null>;
  peakKiB: number | null;
  host: string;
}

/** A client's deploymentBase, found by its poll; each call of the result reads the link deploymentBase gives now. */
async function presignedLink(ospreyUrl: string, controllerId: string, token: string): Promise<() => Promise<Download>> {
  const headers = { authorization: `TargetToken ${token}`, accept: 'application/json' };
  const poll = await getJson(`${ospreyUrl}/DEFAULT/controller/v1/${controllerId}`, headers);
  const href = (poll.body as { _links?: { deploymentBase?: { href?: string } } } | undefined)?._links?.deploymentBase?.href;
  if (!href) throw new Error(`direct: ${controllerId}'s poll has no deploymentBase link: ${poll.text.slice(0, 300)}`);
  return async () => {
    const res = await getJson(href, headers);
    type Reply = { deployment?: { chunks?: Array<{ artifacts?: Array<{ _links?: Record<string, { href: string }> }> }> } };
    const url = (res.body as Reply | undefined)?.deployment?.chunks?.[0]?.artifacts?.[0]?._links?.['download-http']?.href;
    if (res.status !== 200 || !url) throw new Error(`direct: deploymentBase of ${controllerId} answered ${res.status} ${res.text.slice(0, 300)}`);
    if (!url.includes('X-Amz-Signature=')) throw new Error(`direct: the download link ${url} is not a presigned URL`);
    return { url, headers: {} };
  };
}

async function directDownloads(
  o: Options,
  childJs: string,
  dir: string,
  artifact: { file: string; sha256: string; bytes: number },
  tokenKey: string,
  warmup: number,
): Promise<DirectResult> {
  console.log('ddi: direct downloads: starting a one-node Ceph RGW ...');
  const s3: S3Service = await startS3();
  try {
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, credentials: { ...credentials }, forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: DIRECT_BUCKET }));
    client.destroy();
    const spec: OspreySpec = {
      phase: 'init',
      dataDir: join(dir, 'osprey-s3'),
      devices: 1,
      tokenKey,
      requestAttributes: false,
      artifact: { file: artifact.file, filename: ARTIFACT_NAME, clients: DOWNLOAD_CLIENTS },
      blobStore: { kind: 's3', bucket: DIRECT_BUCKET, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, ...credentials },
      directDownloads: 'presigned',
    };
    // As in part 2: a first start seeds (the artifact goes into the bucket), the server measured is a restart.
    const init = await startNodeChild<OspreyReady>(childJs, ['osprey', JSON.stringify(spec)]);
    await stopChild(init.child);
    const osprey = await startNodeChild<OspreyReady>(childJs, ['osprey', JSON.stringify({ ...spec, phase: 'serve' } satisfies OspreySpec)]);
    try {
      const dl = osprey.ready.download!;
      const sides: Record<DirectSide, Download[]> = {
        server: dl.targets.map((t) => ({
          url: `${osprey.ready.url}/DEFAULT/controller/v1/${t.controllerId}/softwaremodules/${dl.moduleId}/artifacts/${dl.filename}`,
          headers: { authorization: `TargetToken ${t.token}` },
        })),
        presigned: await Promise.all(
          dl.targets.map(async (t) => ({ url: '', headers: {}, link: await presignedLink(osprey.ready.url, t.controllerId, t.token) })),
        ),
      };
      for (const side of ['server', 'presigned'] as const) {
        const first = sides[side][0]!;
        const got = await downloadSha256(first.link ? await first.link() : first);
        if (got.sha256 !== artifact.sha256) throw new Error(`direct ${side}: downloaded sha256 ${got.sha256}, the file is ${artifact.sha256}`);
      }
      console.log(
        `ddi: direct downloads verified; ${DOWNLOAD_CLIENTS} clients, warm-up ${warmup} s per mode, then ${o.rounds} alternating rounds of ${o.duration} s ...`,
      );
      for (const side of ['server', 'presigned'] as const) await downloadRound(sides[side], osprey.ready.pid, warmup, artifact.bytes);
      const rounds: Record<DirectSide, DownloadRound[]> = { server: [], presigned: [] };
      for (let round = 0; round < o.rounds; round++) {
        const order: DirectSide[] = round % 2 === 0 ? ['presigned', 'server'] : ['server', 'presigned'];
        for (const side of order) {
          const r = await downloadRound(sides[side], osprey.ready.pid, o.duration, artifact.bytes);
          rounds[side].push(r);
          console.log(
            `  round ${round + 1}/${o.rounds} ${side.padEnd(9)} ${r.MBps.toFixed(0).padStart(7)} MB/s  ${r.completed} whole downloads` +
              `  (CPU: Osprey server ${pct(r.serverCpuPct)}, ${r.serverCpuSecondsPerGiB?.toFixed(2) ?? '?'} s per GiB; clients ${pct(r.loadCpuPct)})`,
          );
        }
      }
      const perGiB = (side: DirectSide): number | null => {
        const xs = rounds[side].map((r) => r.serverCpuSecondsPerGiB).filter((x): x is number => x !== null);
        return xs.length === 0 ? null : median(xs);
      };
      return {
        rounds,
        MBps: { server: median(rounds.server.map((r) => r.MBps)), presigned: median(rounds.presigned.map((r) => r.MBps)) },
        cpuSecondsPerGiB: { server: perGiB('server'), presigned: perGiB('presigned') },
        peakKiB: memoryOf(osprey.ready.pid)?.peakKiB ?? null,
        host: new URL(s3.endpoint).host,
      };
    } finally {
      await stopChild(osprey.child);
    }
  } finally {
    await s3.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per run, dropped afterwards (as testkit/server.ts does).
// ---------------------------------------------------------------------------------------------

async function adminQuery(adminUrl: string, query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(query);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `osprey_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`) };
}

// ---------------------------------------------------------------------------------------------

const pct = (p: number | null): string => (p === null ? '?' : `${p.toFixed(0)}%`);
const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

type PollSide = 'osprey' | 'baseline';
type DownloadSide = 'osprey' | 'nginx';

export async function main(args: string[]): Promise<void> {
  const options = parseOrExplain(parseOptions, USAGE, args);
  if (!options) return;
  const o = options;

  // Scratch files (the artifact, PGlite, blobs, nginx's config and logs, the transpiled child) go to
  // the repository's gitignored .bench/, in a folder of this run's own, removed at the end.
  const benchRoot = join(REPO_ROOT, '.bench');
  mkdirSync(benchRoot, { recursive: true });
  const dir = mkdtempSync(join(benchRoot, 'ddi-'));
  let dropDatabase: (() => Promise<void>) | undefined;
  // maxRetries: a child that was just killed may still be letting go of files (ENOTEMPTY, EBUSY).
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  // On Ctrl-C / kill, `finally` does not run: kill the children, wait (briefly) until they are gone
  // so that none still writes into the folder, remove it, drop the database, exit.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    const children = [...liveChildren].filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = Promise.all(children.map((c) => once(c, 'exit')));
    for (const child of children) child.kill('SIGKILL');
    void (async () => {
      await withTimeout(exited, 3000);
      try {
        removeDir();
      } catch (e) {
        console.error(`ddi: could not remove ${dir}: ${(e as Error).message}`);
      }
      if (dropDatabase)
        await withTimeout(
          dropDatabase().catch(() => undefined),
          5000,
        );
    })().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const tokenKey = randomBytes(16).toString('hex');
    const childJs = await transpileChild(SERVER_CHILD, join(dir, 'js'));

    let artifact: { file: string; sha256: string; bytes: number } | undefined;
    if (!o.skipDownload) {
      mkdirSync(join(dir, 'www'));
      const file = join(dir, 'www', ARTIFACT_NAME);
      console.log(`ddi: generating a ${ARTIFACT_MIB} MiB artifact ...`);
      artifact = { file, bytes: ARTIFACT_MIB * MiB, sha256: await writeRandomFile(file, ARTIFACT_MIB * MiB) };
    }

    let databaseUrl: string | undefined;
    if (o.postgres) {
      const created = await createDatabase(o.postgres);
      dropDatabase = created.drop;
      databaseUrl = created.url;
    }

    const spec: Omit<OspreySpec, 'phase'> = {
      dataDir: join(dir, 'osprey'),
      ...(databaseUrl ? { databaseUrl } : {}),
      devices: o.devices,
      tokenKey,
      requestAttributes: o.requestAttributes,
      ...(artifact ? { artifact: { file: artifact.file, filename: ARTIFACT_NAME, clients: DOWNLOAD_CLIENTS } } : {}),
    };
    // Twice: the first start creates and seeds the database, then stops; the server measured is a
    // restart on it. A first start is not what a server spends its life doing, and PGlite's first
    // start (initdb inside WebAssembly) has a peak RSS several times that of a restart.
    console.log(`ddi: first start of Osprey on ${databaseUrl ? 'PostgreSQL' : 'PGlite'}: creating the database, registering ${o.devices} targets ...`);
    const init = await startNodeChild<OspreyReady>(childJs, ['osprey', JSON.stringify({ ...spec, phase: 'init' } satisfies OspreySpec)]);
    const firstStartMemory = memoryOf(init.ready.pid);
    const seedSeconds = init.ready.startSeconds;
    await stopChild(init.child);
    const profArgs = o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`] : [];
    const hello = await startNodeChild<HelloReady>(childJs, ['hello']);
    const osprey = await startNodeChild<OspreyReady>(childJs, ['osprey', JSON.stringify({ ...spec, phase: 'serve' } satisfies OspreySpec)], profArgs);
    const ospreyReady = osprey.ready;
    if (ospreyReady.targetsInDb < o.devices) throw new Error(`only ${ospreyReady.targetsInDb} targets in the database, expected ≥ ${o.devices}`);
    const readyMemory = memoryOf(ospreyReady.pid);
    console.log(
      `ddi: Osprey restarted at ${ospreyReady.url} (pid ${ospreyReady.pid}, ${ospreyReady.dbKind}, ${ospreyReady.targetsInDb} targets; first start + seeding took ${seedSeconds.toFixed(1)} s, ` +
        `the restart ${ospreyReady.startSeconds.toFixed(1)} s); hello-world at ${hello.ready.url}`,
    );

    // --- Part 1: root polls ------------------------------------------------------------------
    const pollBody = await checkPoll(ospreyReady.url, hello.ready.url, o.devices, tokenKey, o.requestAttributes);
    const requests = pollRequests(o.devices, tokenKey);
    const pollServers: Record<PollSide, { url: string; pid: number }> = {
      osprey: { url: ospreyReady.url, pid: ospreyReady.pid },
      baseline: { url: hello.ready.url, pid: hello.ready.pid },
    };
    const warmup = Math.min(WARMUP_SECONDS, o.duration);
    console.log(
      `ddi: root polls, ${o.connections} connections, every device polls once, warm-up ${warmup} s per server, then ${o.rounds} alternating rounds of ${o.duration} s ...`,
    );
    // Steady state: a server that has run for one polling interval has answered every device once
    // (and holds their poll state in memory); the first contact of each device is not what is measured.
    await pollRound(pollServers.osprey.url, pollServers.osprey.pid, 0, o.connections, requests, o.devices);
    for (const side of ['osprey', 'baseline'] as const) await pollRound(pollServers[side].url, pollServers[side].pid, warmup, o.connections, requests);
    const polls: Record<PollSide, PollRound[]> = { osprey: [], baseline: [] };
    for (let round = 0; round < o.rounds; round++) {
      // Alternate the order each round so that neither side always runs second, on a busier machine.
      const order: PollSide[] = round % 2 === 0 ? ['osprey', 'baseline'] : ['baseline', 'osprey'];
      for (const side of order) {
        const r = await pollRound(pollServers[side].url, pollServers[side].pid, o.duration, o.connections, requests);
        polls[side].push(r);
        console.log(
          `  round ${round + 1}/${o.rounds} ${side.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms` +
            `  (CPU: server ${pct(r.serverCpuPct)}, autocannon ${pct(r.loadCpuPct)})`,
        );
      }
    }
    const pollMedian = (side: PollSide, key: 'rps' | 'p99Ms' | 'p50Ms'): number => median(polls[side].map((r) => r[key]));
    const pollRatio = pollMedian('osprey', 'rps') / pollMedian('baseline', 'rps');
    const pairedPollRatio = median(polls.osprey.map((r, i) => r.rps / polls.baseline[i]!.rps));
    const pollOk = pollRatio >= POLL_RATIO_GOAL;
    const afterPollsMemory = memoryOf(ospreyReady.pid);

    // --- Part 2: artifact downloads ----------------------------------------------------------
    let downloadResult:
      | { skipped: string }
      | {
          osprey: DownloadRound[];
          nginx: DownloadRound[] | null;
          nginxSkipped: string | null;
          ospreyMBps: number;
          nginxMBps: number | null;
          ratio: number | null;
          pairedRatio: number | null;
          ok: boolean | null;
          sha256: string;
        }
      | undefined;
    if (!artifact || !ospreyReady.download) {
      downloadResult = { skipped: '--skip-download' };
    } else {
      const dl = ospreyReady.download;
      if (dl.size !== artifact.bytes) throw new Error(`Osprey stored the artifact as ${dl.size} bytes, the file has ${artifact.bytes}`);
      const sides: Partial<Record<DownloadSide, { downloads: Download[]; pid: number | undefined }>> = {
        osprey: {
          pid: ospreyReady.pid,
          downloads: dl.targets.map((t) => ({
            url: `${ospreyReady.url}/DEFAULT/controller/v1/${t.controllerId}/softwaremodules/${dl.moduleId}/artifacts/${dl.filename}`,
            headers: { authorization: `TargetToken ${t.token}` },
          })),
        },
      };
      let nginxSkipped: string | null = null;
      const nginxBin = findNginx();
      if (!nginxBin) {
        nginxSkipped = 'nginx is not installed';
        console.log('ddi: nginx not found, the download baseline is skipped: apt-get install nginx');
      } else {
        const nginx = await startNginx(nginxBin, dir, join(dir, 'www'));
        const url = `${nginx.url}/${ARTIFACT_NAME}`;
        sides.nginx = { pid: nginx.child.pid, downloads: Array.from({ length: DOWNLOAD_CLIENTS }, () => ({ url, headers: {} })) };
      }
      // The bytes, once per server, in full: also warms the page cache and both code paths.
      for (const [side, s] of Object.entries(sides)) {
        const got = await downloadSha256(s.downloads[0]!);
        if (got.sha256 !== artifact.sha256 || got.bytes !== artifact.bytes)
          throw new Error(`${side}: downloaded ${got.bytes} bytes / sha256 ${got.sha256}, the file is ${artifact.bytes} / ${artifact.sha256}`);
      }
      const order0 = (Object.keys(sides) as DownloadSide[]).sort(); // nginx, osprey
      console.log(
        `ddi: downloads verified (sha256 ${artifact.sha256.slice(0, 16)}…); ${DOWNLOAD_CLIENTS} clients, warm-up ${warmup} s per server, then ${o.rounds} alternating rounds of ${o.duration} s ...`,
      );
      for (const side of order0) await downloadRound(sides[side]!.downloads, sides[side]!.pid, warmup, artifact.bytes);
      const rounds: Record<DownloadSide, DownloadRound[]> = { osprey: [], nginx: [] };
      for (let round = 0; round < o.rounds; round++) {
        const order = round % 2 === 0 ? [...order0].reverse() : order0;
        for (const side of order) {
          const r = await downloadRound(sides[side]!.downloads, sides[side]!.pid, o.duration, artifact.bytes);
          rounds[side].push(r);
          console.log(
            `  round ${round + 1}/${o.rounds} ${side.padEnd(8)} ${r.MBps.toFixed(0).padStart(7)} MB/s  ${r.completed} whole downloads` +
              `  (CPU: server ${pct(r.serverCpuPct)}, clients ${pct(r.loadCpuPct)})`,
          );
        }
      }
      const ospreyMBps = median(rounds.osprey.map((r) => r.MBps));
      const nginxMBps = sides.nginx ? median(rounds.nginx.map((r) => r.MBps)) : null;
      const ratio = nginxMBps === null ? null : ospreyMBps / nginxMBps;
      const pairedRatio = sides.nginx ? median(rounds.osprey.map((r, i) => r.MBps / rounds.nginx[i]!.MBps)) : null;
      downloadResult = {
        osprey: rounds.osprey,
        nginx: sides.nginx ? rounds.nginx : null,
        nginxSkipped,
        ospreyMBps,
        nginxMBps,
        ratio,
        pairedRatio,
        ok: ratio === null ? null : ratio >= DOWNLOAD_RATIO_GOAL,
        sha256: artifact.sha256,
      };
    }

    // --- Part 3: peak RSS --------------------------------------------------------------------
    const ospreyMemory = memoryOf(ospreyReady.pid);
    const helloMemory = memoryOf(hello.ready.pid);

    // --- Part 4: direct downloads ------------------------------------------------------------
    let direct: DirectResult | { skipped: string };
    if (!artifact) direct = { skipped: '--skip-download' };
    else if (o.skipDirect) direct = { skipped: '--skip-direct' };
    else if (!hasCeph()) {
      direct = { skipped: 'Ceph (ceph-mon, ceph-osd, radosgw) is not installed' };
      console.log('ddi: Ceph not found, the direct-download part is skipped: apt-get install ceph-mon ceph-osd radosgw ceph-common');
    } else {
      // The other servers are idle meanwhile: stop them, so that only RGW and the S3 server share the cores with the clients.
      await stopChild(hello.child);
      await stopChild(osprey.child);
      direct = await directDownloads(o, childJs, dir, artifact, tokenKey, Math.min(WARMUP_SECONDS, o.duration));
    }

    // --- Report ------------------------------------------------------------------------------
    const list = (xs: number[], digits = 0): string => xs.map((x) => x.toFixed(digits)).join(' ');
    const database = databaseUrl ? 'PostgreSQL (fresh database, pool of 10)' : 'PGlite on disk (embedded default)';
    const lines = [
      '',
      `ddi benchmark  node ${process.version}  ${cpus().length} x ${cpus()[0]?.model ?? '?'}  Osprey on ${database}`,
      `root poll: ${o.devices} registered targets, none with an action, request_attributes=${o.requestAttributes}; each poll answers ${pollBody}`,
      `  GET /DEFAULT/controller/v1/poll-{1..${o.devices}} + TargetToken, rotating; autocannon ${o.connections} connections x ${o.duration} s, ${o.rounds} alternating rounds, median`,
      `  osprey    DDI root poll        ${pollMedian('osprey', 'rps').toFixed(0).padStart(8)} req/s   p99 ${pollMedian('osprey', 'p99Ms').toFixed(1).padStart(6)} ms   rounds: ${list(polls.osprey.map((r) => r.rps))}`,
      `  baseline fastify hello-world   ${pollMedian('baseline', 'rps').toFixed(0).padStart(8)} req/s   p99 ${pollMedian('baseline', 'p99Ms').toFixed(1).padStart(6)} ms   rounds: ${list(polls.baseline.map((r) => r.rps))}`,
      `  ratio osprey/baseline          ${pollRatio.toFixed(3).padStart(8)}         (paired per-round median ${pairedPollRatio.toFixed(3)}; goal >= ${POLL_RATIO_GOAL})  ${verdict(pollOk)}`,
      `  CPU (median): osprey server ${pct(median(polls.osprey.map((r) => r.serverCpuPct ?? NaN)))}, baseline server ${pct(median(polls.baseline.map((r) => r.serverCpuPct ?? NaN)))}, autocannon ${pct(median([...polls.osprey, ...polls.baseline].map((r) => r.loadCpuPct)))} (100% = one core)`,
    ];
    if ('skipped' in downloadResult) {
      lines.push(`artifact download: skipped (${downloadResult.skipped})`);
    } else {
      const d = downloadResult;
      lines.push(
        `artifact download: ${ARTIFACT_MIB} MiB, ${DOWNLOAD_CLIENTS} clients downloading it whole again and again for ${o.duration} s, ${o.rounds} alternating rounds, median (MB = 10^6 B)`,
      );
      lines.push(
        `  osprey   DDI download link     ${d.ospreyMBps.toFixed(0).padStart(8)} MB/s    rounds: ${list(d.osprey.map((r) => r.MBps))}   server CPU ${pct(median(d.osprey.map((r) => r.serverCpuPct ?? NaN)))}`,
      );
      if (d.nginx && d.nginxMBps !== null && d.ratio !== null) {
        lines.push(
          `  baseline nginx, sendfile on     ${d.nginxMBps.toFixed(0).padStart(8)} MB/s    rounds: ${list(d.nginx.map((r) => r.MBps))}   server CPU ${pct(median(d.nginx.map((r) => r.serverCpuPct ?? NaN)))}`,
        );
        lines.push(
          `  ratio osprey/nginx              ${d.ratio.toFixed(3).padStart(8)}          (paired per-round median ${d.pairedRatio!.toFixed(3)}; goal >= ${DOWNLOAD_RATIO_GOAL})  ${verdict(d.ok!)}`,
        );
      } else {
        lines.push(`  baseline nginx: skipped (${d.nginxSkipped}): apt-get install nginx`);
      }
      lines.push(`  CPU of the download clients (this process, median) ${pct(median([...d.osprey, ...(d.nginx ?? [])].map((r) => r.loadCpuPct)))}`);
      const fileStorePerGiB = median(d.osprey.map((r) => r.serverCpuSecondsPerGiB ?? NaN));
      lines.push(`  Osprey server CPU per downloaded GiB (file store, through the server) ${fileStorePerGiB.toFixed(2)} s`);
      const nginxClientCpu = d.nginx ? median(d.nginx.map((r) => r.loadCpuPct)) : 0;
      if (nginxClientCpu >= 90) {
        lines.push(
          `  note: the clients used ~${nginxClientCpu.toFixed(0)}% of a core during the nginx rounds: nginx's number is bounded by the clients, the true ratio is lower than shown`,
        );
      }
    }
    if (ospreyMemory) {
      const mb = (m: { peakKiB: number } | undefined): string => (m ? `${kibToMB(m.peakKiB).toFixed(1)} MB` : '?');
      lines.push(
        `peak RSS (VmHWM) of the Osprey server process: ${mb(ospreyMemory)} at the end (now ${kibToMB(ospreyMemory.rssKiB).toFixed(1)} MB resident)`,
        `  peak when ready ${mb(readyMemory)}, after the polls ${mb(afterPollsMemory)}; for scale: its first start (${databaseUrl ? 'migrations' : 'PGlite initdb'} + seeding) ${mb(firstStartMemory)}, the hello-world process ${mb(helloMemory)}`,
      );
    } else {
      lines.push('peak RSS: unknown (no /proc)');
    }
    if ('skipped' in direct) {
      lines.push(`direct downloads: skipped (${direct.skipped})`);
    } else {
      const r = direct;
      const cpu = (x: number | null): string => (x === null ? '?' : `${x.toFixed(2)} s`);
      lines.push(
        `direct downloads (#16): the same artifact in an S3 bucket on Ceph RGW (${r.host}, one node, memstore), Osprey on that S3 store with presigned links; ${DOWNLOAD_CLIENTS} clients, ${o.rounds} alternating rounds, median`,
        `  through the server (S3 store)   ${r.MBps.server.toFixed(0).padStart(8)} MB/s    rounds: ${list(r.rounds.server.map((x) => x.MBps))}   Osprey CPU per GiB ${cpu(r.cpuSecondsPerGiB.server)}`,
        `  presigned URLs from RGW         ${r.MBps.presigned.toFixed(0).padStart(8)} MB/s    rounds: ${list(r.rounds.presigned.map((x) => x.MBps))}   Osprey CPU per GiB ${cpu(r.cpuSecondsPerGiB.presigned)} (one deploymentBase per download)`,
        `  ratio presigned/server          ${(r.MBps.presigned / r.MBps.server).toFixed(3).padStart(8)}   (RGW shares the cores with the clients and the server; its own CPU is not counted)`,
        `  peak RSS (VmHWM) of that Osprey server process (a restart, as above): ${r.peakKiB === null ? '?' : `${kibToMB(r.peakKiB).toFixed(1)} MB`}`,
      );
    }
    const generatorBound = median(polls.baseline.map((r) => r.loadCpuPct)) >= 90;
    if (generatorBound) {
      lines.push(
        `note: during the baseline rounds autocannon used ~${median(polls.baseline.map((r) => r.loadCpuPct)).toFixed(0)}% of a core on a ${cpus().length}-core machine: the hello-world number is bounded by the load generator, so the true poll ratio is lower than shown`,
      );
    }
    console.log(lines.join('\n'));

    const downloadOk = 'skipped' in downloadResult ? null : downloadResult.ok;
    const ok = pollOk && downloadOk !== false;
    const result = {
      benchmark: 'ddi',
      node: process.version,
      cpu: cpus()[0]?.model ?? null,
      cpus: cpus().length,
      database: ospreyReady.dbKind,
      poll: {
        devices: o.devices,
        requestAttributes: o.requestAttributes,
        body: pollBody,
        connections: o.connections,
        durationSeconds: o.duration,
        rounds: o.rounds,
        ospreyRps: round1(pollMedian('osprey', 'rps')),
        baselineRps: round1(pollMedian('baseline', 'rps')),
        ospreyP99Ms: round1(pollMedian('osprey', 'p99Ms')),
        baselineP99Ms: round1(pollMedian('baseline', 'p99Ms')),
        ospreyRounds: polls.osprey.map((r) => ({
          rps: round1(r.rps),
          p99Ms: r.p99Ms,
          serverCpuPct: r.serverCpuPct === null ? null : round1(r.serverCpuPct),
          loadCpuPct: round1(r.loadCpuPct),
        })),
        baselineRounds: polls.baseline.map((r) => ({
          rps: round1(r.rps),
          p99Ms: r.p99Ms,
          serverCpuPct: r.serverCpuPct === null ? null : round1(r.serverCpuPct),
          loadCpuPct: round1(r.loadCpuPct),
        })),
        ratio: round3(pollRatio),
        pairedRatio: round3(pairedPollRatio),
        ratioGoal: POLL_RATIO_GOAL,
        ratioOk: pollOk,
      },
      download:
        'skipped' in downloadResult
          ? { skipped: downloadResult.skipped }
          : {
              artifactMiB: ARTIFACT_MIB,
              clients: DOWNLOAD_CLIENTS,
              durationSeconds: o.duration,
              rounds: o.rounds,
              sha256: downloadResult.sha256,
              ospreyMBps: round1(downloadResult.ospreyMBps),
              nginxMBps: downloadResult.nginxMBps === null ? null : round1(downloadResult.nginxMBps),
              ospreyRoundsMBps: downloadResult.osprey.map((r) => round1(r.MBps)),
              nginxRoundsMBps: downloadResult.nginx?.map((r) => round1(r.MBps)) ?? null,
              nginxSkipped: downloadResult.nginxSkipped,
              ratio: downloadResult.ratio === null ? null : round3(downloadResult.ratio),
              pairedRatio: downloadResult.pairedRatio === null ? null : round3(downloadResult.pairedRatio),
              ratioGoal: DOWNLOAD_RATIO_GOAL,
              ratioOk: downloadResult.ok,
            },
      direct:
        'skipped' in direct
          ? { skipped: direct.skipped }
          : {
              serverMBps: round1(direct.MBps.server),
              presignedMBps: round1(direct.MBps.presigned),
              serverRoundsMBps: direct.rounds.server.map((r) => round1(r.MBps)),
              presignedRoundsMBps: direct.rounds.presigned.map((r) => round1(r.MBps)),
              serverCpuSecondsPerGiB: direct.cpuSecondsPerGiB.server === null ? null : round3(direct.cpuSecondsPerGiB.server),
              presignedCpuSecondsPerGiB: direct.cpuSecondsPerGiB.presigned === null ? null : round3(direct.cpuSecondsPerGiB.presigned),
              fileStoreCpuSecondsPerGiB: 'skipped' in downloadResult ? null : round3(median(downloadResult.osprey.map((r) => r.serverCpuSecondsPerGiB ?? NaN))),
              peakKiB: direct.peakKiB,
            },
      rss: ospreyMemory
        ? {
            source: 'VmHWM',
            ospreyPeakKiB: ospreyMemory.peakKiB,
            ospreyPeakMB: round1(kibToMB(ospreyMemory.peakKiB)),
            ospreyRssKiB: ospreyMemory.rssKiB,
            ospreyPeakKiBWhenReady: readyMemory?.peakKiB ?? null,
            ospreyPeakKiBAfterPolls: afterPollsMemory?.peakKiB ?? null,
            firstStartPeakKiB: firstStartMemory?.peakKiB ?? null,
            helloPeakKiB: helloMemory?.peakKiB ?? null,
          }
        : null,
      baselineGeneratorBound: generatorBound,
      seedSeconds: round1(seedSeconds),
      ok,
    };
    console.log(`result: ${JSON.stringify(result)}`);
    if (o.check && !ok) process.exitCode = 1;
  } finally {
    // Interrupted: onSignal cleans up and exits; the measurements failing meanwhile are no news.
    if (interrupted) await new Promise<never>(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Gracefully first (Osprey flushes and closes its database; --cpu-prof is written at exit).
    await Promise.all([...liveChildren].map((child) => stopChild(child).catch(() => child.kill('SIGKILL'))));
    if (dropDatabase) await dropDatabase().catch((e: unknown) => console.error(`ddi: dropping the benchmark database failed: ${(e as Error).message}`));
    removeDir();
  }
}

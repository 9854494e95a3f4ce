/**
 * The CLI as a client of an Osprey server's management API: profiles (server URL and an API
 * token, never a password, in a 0600 file), streamed uploads with a progress bar and a local
 * hash, and the calls a release pipeline makes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { managementClient, type ManagementClient as Api } from '@osprey/client';
import { writeFileAtomic } from '@osprey/fs';
import { UsageError } from './errors.js';
import { progressStream } from './progress.js';

export interface Profile {
  url: string;
  token: string;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OSPREY_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'osprey');
}

function profilesFile(dir: string): string {
  return join(dir, 'profiles.json');
}

export function readProfiles(dir: string): Record<string, Profile> {
  const file = profilesFile(dir);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Profile>;
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function saveProfile(dir: string, name: string, profile: Profile): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(profilesFile(dir), JSON.stringify({ ...readProfiles(dir), [name]: profile }, null, 2) + '\n', { mode: 0o600 });
}

export function loadProfile(dir: string, name: string): Profile {
  const profile = readProfiles(dir)[name];
  if (!profile) throw new UsageError(`no profile "${name}": run "osprey login --url URL --token TOKEN" (or --user) first`);
  return profile;
}

/** A failed HTTP call: the server's hawkBit error body, in one line. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one wording of a refused call, whatever the command: what was asked, the status, the
 * server's message and its error code (e.g. `GET /targets/x: 404 target x not found [ENTITY_NOT_FOUND]`).
 */
export function refusal(what: string, status: number, body: unknown): RemoteError {
  const b = body as { message?: unknown; errorCode?: unknown } | undefined;
  const message = typeof b?.message === 'string' ? b.message : typeof body === 'string' && body ? body.slice(0, 200) : 'no message';
  const code = typeof b?.errorCode === 'string' ? ` [${b.errorCode}]` : '';
  return new RemoteError(status, `${what}: ${status} ${message.replace(/\s+/g, ' ')}${code}`);
}

type Answer<T> = { data?: T; error?: unknown; response: Response };
/** openapi-fetch's request() with a path built at run time (callers with a literal path use `api`). */
type UntypedRequest = (method: string, path: string, init?: { body?: unknown; parseAs?: 'json' | 'arrayBuffer' }) => Promise<Answer<unknown>>;

export class ManagementClient {
  /** The typed client (@osprey/client): paths, parameters and bodies checked against docs/openapi.json. */
  readonly api: Api;

  constructor(
    private readonly url: string,
    private readonly authorization: string,
  ) {
    this.api = managementClient({ baseUrl: url, authorization });
  }

  static fromProfile(profile: Profile): ManagementClient {
    return new ManagementClient(profile.url, `Bearer ${profile.token}`);
  }

  /** The data of a typed call, or a RemoteError in the one wording; an unreachable server is the user's to fix. */
  async send<T>(what: string, call: Promise<Answer<T>>): Promise<T> {
    let answer: Answer<T>;
    try {
      answer = await call;
    } catch (e) {
      throw new UsageError(`cannot reach ${this.url}: ${(e as Error).message}`);
    }
    if (answer.error !== undefined || !answer.response.ok) throw refusal(what, answer.response.status, answer.error);
    return answer.data as T;
  }

  /** A call whose path is built at run time (the typed client checks literal paths only). */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const request = this.api.request as unknown as UntypedRequest;
    return this.send<T>(`${method} ${path}`, request(method.toLowerCase(), `/rest/v1${path}`, body === undefined ? {} : { body }) as Promise<Answer<T>>);
  }

  /** GET of a binary resource (e.g. a device's age header). */
  async bytes(path: string): Promise<Buffer> {
    const request = this.api.request as unknown as UntypedRequest;
    const data = await this.send<ArrayBuffer>(`GET ${path}`, request('get', `/rest/v1${path}`, { parseAs: 'arrayBuffer' }) as Promise<Answer<ArrayBuffer>>);
    return Buffer.from(data);
  }

  private async answer<T>(method: string, path: string, response: Response): Promise<T> {
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) throw refusal(`${method} ${path}`, response.status, json ?? text);
    return json as T;
  }

  /**
   * Upload a file as multipart/form-data, streamed (any size, constant memory), hashing it on the
   * way; the server's recorded hash must match what was sent. Written by hand, not through `api`:
   * openapi-fetch serializes a multipart body into a FormData, which needs the whole file as a
   * Blob in memory and cannot send a stream (no `duplex: 'half'`).
   */
  async upload(
    moduleId: number,
    file: string,
    options: { filename?: string; interactive: boolean },
  ): Promise<{ artifact: Record<string, unknown>; sha256: string }> {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new UsageError(`cannot read ${file}`);
    }
    const boundary = `osprey-${randomBytes(12).toString('hex')}`;
    const name = options.filename ?? basename(file);
    if (/["\r\n]/.test(name)) throw new UsageError('the file name must not contain quotes or line breaks');
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const body = new PassThrough();
    body.write(head);
    createReadStream(file)
      .pipe(progressStream('upload', size, options.interactive))
      .pipe(tap)
      .on('end', () => body.end(tail))
      .pipe(body, { end: false });
    let response: Response;
    try {
      response = await fetch(`${this.url.replace(/\/$/, '')}/rest/v1/softwaremodules/${moduleId}/artifacts`, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
        },
        body: Readable.toWeb(body) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
    } catch (e) {
      throw new UsageError(`cannot reach ${this.url}: ${(e as Error).message}`);
    }
    const artifact = await this.answer<Record<string, unknown>>('POST', `/softwaremodules/${moduleId}/artifacts`, response);
    const sha256 = hash.digest('hex');
    const recorded = (artifact.plaintext as { sha256?: string } | undefined)?.sha256 ?? (artifact.hashes as { sha256?: string } | undefined)?.sha256;
    if (recorded !== sha256) throw new RemoteError(0, `the server recorded sha256 ${recorded} but ${sha256} was sent: upload corrupted on the way`);
    return { artifact, sha256 };
  }
}

export function defaultTokenName(): string {
  return `osprey-cli-${hostname()}-${new Date().toISOString().slice(0, 10)}`;
}

/**
 * The device side of DDI (hawkBit Direct Device Integration), on the agent's HTTP transport:
 * root poll (with ETag), deployment and cancel instructions, feedback, attributes, and Osprey's
 * public-key registration. Every response is size-bounded and schema-checked; every failure is an
 * AgentError (AGENT_DDI_*).
 *
 * Credentials: `Authorization: TargetToken …` (or GatewayToken), and/or a client certificate
 * (mTLS) through `tls`. Credentials are only ever sent to the configured server: links the server
 * returns are followed on the configured origin (a TLS-terminating proxy may make the server see
 * `http`), and a link to another host is refused (action links). A download link may also lead to
 * one of the configured `storageOrigins` (direct downloads from S3 or a CDN, #16): fetched there
 * exactly as given, without the device's credentials or client certificate. A download link to any
 * other origin — another host, or the storage host on another port or scheme — is refused
 * (AGENT_DOWNLOAD_ORIGIN_REFUSED).
 */
import { ddiFeedbackSchema, type DdiFeedback, type Execution, type FinishedResult } from '@osprey/protocol';
import { z } from 'zod';
import { nodeTransport, readBody, type HttpTransport, type TlsClientOptions } from '../fetch/transport.js';
import { redactUrl } from '../fetch/redact.js';
import { AgentError, failureDetails } from '../errors.js';
import { parsePollingSleep, parseRetryAfter } from './backoff.js';
import { ddiCancelSchema, ddiDeploymentSchema, ddiRootSchema, type DdiInstruction } from './schema.js';

export interface DdiClientOptions {
  /** The server's base URL, e.g. `https://updates.example.com`. */
  server: string;
  tenant: string;
  controllerId: string;
  /** The target's own security token (`Authorization: TargetToken …`). */
  targetToken?: string;
  /** The tenant's gateway token (`Authorization: GatewayToken …`). */
  gatewayToken?: string;
  /** A client certificate for mTLS (uses node:https). */
  tls?: TlsClientOptions;
  /** Overrides the HTTP transport (tests, proxies). */
  transport?: HttpTransport;
  /** Per request, headers and body. Default 30 s. */
  requestTimeoutMs?: number;
  /** Largest JSON response accepted. Default 1 MiB. */
  maxResponseBytes?: number;
  /**
   * Origins (`scheme://host[:port]`) download links may lead to besides the server: the object
   * store or CDN the server's direct downloads point at. Compared exactly (scheme, host, port).
   */
  storageOrigins?: readonly string[];
  /** The transport for downloads from storage (no client certificate). Default: node:http(s). */
  storageTransport?: HttpTransport;
}

/** Where a download link leads: the configured server (with credentials) or a storage origin (without). */
export type DownloadOrigin = 'server' | 'storage';

export interface ActionLink {
  href: string;
  actionId: number;
}

export interface PollResult {
  /** The server's polling interval, seconds. */
  sleepSeconds: number;
  links: {
    deploymentBase?: ActionLink;
    cancelAction?: ActionLink;
    confirmationBase?: ActionLink;
    installedBase?: ActionLink;
    /** The server asks for the device's attributes (PUT configData). */
    configData?: string;
  };
  /** The server answered 304: nothing changed since the last poll. */
  notModified: boolean;
}

export interface DeploymentArtifact {
  filename: string;
  size: number;
  hashes: { sha1?: string; md5?: string; sha256?: string };
  /** `download` (HTTPS) if offered, else `download-http`. */
  downloadUrl?: string;
  /** The TUF target that signs this artifact (Osprey). */
  tufTarget?: string;
  /** Osprey encryption: the format and this device's own age header. */
  encryption?: { format: string; header?: Buffer };
}

export interface DeploymentChunk {
  part: string;
  name: string;
  version: string;
  encrypted: boolean;
  metadata: Array<{ key: string; value: string }>;
  artifacts: DeploymentArtifact[];
}

export interface Deployment {
  actionId: number;
  download: DdiInstruction;
  update: DdiInstruction;
  maintenanceWindow?: 'available' | 'unavailable';
  chunks: DeploymentChunk[];
  /** Osprey: where the tenant's TUF repository is. */
  tuf?: { metadataUrl: string; targetsUrl: string };
  actionHistory?: { status: string; messages: string[] };
}

export interface DeploymentPlan {
  /** Download now (download is attempt or forced). */
  download: boolean;
  /** Install now: update is not skip and no maintenance window is closed. */
  install: boolean;
  /** The server insists on the download (forced) rather than suggests it (attempt). */
  downloadForced: boolean;
  /** The server insists on the installation (forced) rather than suggests it (attempt). */
  updateForced: boolean;
  /** Download allowed, installation waits for the maintenance window. */
  waitForWindow: boolean;
}

/** hawkBit §1.4: what download/update skip|attempt|forced and the maintenance window allow. */
export function deploymentPlan(d: Pick<Deployment, 'download' | 'update' | 'maintenanceWindow'>): DeploymentPlan {
  const waitForWindow = d.maintenanceWindow === 'unavailable';
  return {
    download: d.download !== 'skip',
    install: d.download !== 'skip' && d.update !== 'skip' && !waitForWindow,
    downloadForced: d.download === 'forced',
    updateForced: d.update === 'forced',
    waitForWindow,
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalid(what: string, cause?: unknown): AgentError {
  return new AgentError('AGENT_DDI_RESPONSE_INVALID', `invalid ${what}`, cause === undefined ? {} : { cause });
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new AgentError('AGENT_DDI_RESPONSE_INVALID', `invalid ${what} at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

export class DdiClient {
  /** `<server>/<tenant>/controller/v1/<controllerId>` */
  readonly base: string;
  readonly transport: HttpTransport;
  private readonly origin: URL;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly authorization: string | undefined;
  private readonly storageOrigins: ReadonlySet<string>;
  private readonly storageTransport: HttpTransport;
  private lastPoll: { etag: string; result: Omit<PollResult, 'notModified'> } | undefined;

  constructor(options: DdiClientOptions) {
    this.origin = new URL(options.server);
    if (this.origin.protocol !== 'https:' && this.origin.protocol !== 'http:') throw new TypeError('the DDI server URL must be http(s)');
    const root = options.server.replace(/\/+$/, '');
    this.base = `${root}/${encodeURIComponent(options.tenant)}/controller/v1/${encodeURIComponent(options.controllerId)}`;
    this.basePath = new URL(this.base).pathname;
    this.transport = options.transport ?? nodeTransport(options.tls);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    if (options.targetToken) this.authorization = `TargetToken ${options.targetToken}`;
    else if (options.gatewayToken) this.authorization = `GatewayToken ${options.gatewayToken}`;
    this.storageOrigins = new Set(
      (options.storageOrigins ?? []).map((o) => {
        const url = new URL(o);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`a storage origin must be http(s): ${o}`);
        return url.origin;
      }),
    );
    this.storageTransport = options.storageTransport ?? nodeTransport();
  }

  /**
   * A URL the server handed out, on the configured origin when it names the configured host
   * (`authenticated`: on the configured port, or on none), else unchanged.
   */
  resolve(href: string): { url: string; authenticated: boolean } {
    let url: URL;
    try {
      url = new URL(href, `${this.base}/`);
    } catch (cause) {
      throw invalid(`link ${JSON.stringify(redactUrl(href))}`, cause);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`link ${JSON.stringify(redactUrl(href))} (not http)`);
    // A storage origin first: it may share the server's host name on another port.
    if (this.storageOrigins.has(url.origin)) return { url: url.toString(), authenticated: false };
    // The server's host with another explicit port is another origin (storage may live there);
    // without a port it is the server behind a proxy that terminates TLS (and says http).
    const sameServer = url.hostname === this.origin.hostname && (url.port === '' || url.port === this.origin.port);
    if (!sameServer) return { url: url.toString(), authenticated: false };
    return { url: `${this.origin.origin}${url.pathname}${url.search}`, authenticated: true };
  }

  /**
   * Where a download link leads: the configured server, or a configured storage origin. Any other
   * origin is refused (AGENT_DOWNLOAD_ORIGIN_REFUSED): the server's word alone does not send the
   * device to fetch its update from anywhere.
   */
  downloadOrigin(url: string): DownloadOrigin {
    const { url: resolved, authenticated } = this.resolve(url);
    if (authenticated) return 'server';
    const origin = new URL(resolved).origin;
    if (this.storageOrigins.has(origin)) return 'storage';
    throw new AgentError(
      'AGENT_DOWNLOAD_ORIGIN_REFUSED',
      `the download link ${origin}/… leads neither to the update server (${this.origin.origin}) nor to a configured storage origin (${[...this.storageOrigins].join(', ') || 'none'})`,
      { details: { origin, storageOrigins: [...this.storageOrigins] } },
    );
  }

  /** Headers for downloading `url`: credentials only for the configured server, none for storage; another origin is refused. */
  downloadHeaders(url: string): Record<string, string> {
    return this.downloadOrigin(url) === 'server' && this.authorization ? { authorization: this.authorization } : {};
  }

  /** The transport for downloading `url`: the server's (client certificate), or a plain one for storage. */
  downloadTransport(url: string): HttpTransport {
    return this.downloadOrigin(url) === 'server' ? this.transport : this.storageTransport;
  }

  /** A link that must lead to this device's own DDI resources. */
  private actionLink(href: string, resource: string): ActionLink {
    const { url, authenticated } = this.resolve(href);
    const path = new URL(url).pathname;
    const match = new RegExp(`^${resource}/(\\d{1,15})$`).exec(path.startsWith(`${this.basePath}/`) ? path.slice(this.basePath.length + 1) : '');
    if (!authenticated || !match) throw invalid(`${resource} link ${JSON.stringify(redactUrl(href))} (not under ${this.base})`);
    return { href: url, actionId: Number(match[1]) };
  }

  private async request(
    method: string,
    url: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; body: Buffer; etag: string | undefined }> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (this.authorization) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let bytes: Buffer;
    let etag: string | undefined;
    let retryAfter: string | undefined;
    try {
      const res = await this.transport({ method, url, headers, signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      status = res.status;
      etag = res.header('etag');
      retryAfter = res.header('retry-after');
      bytes = await readBody(
        res,
        this.maxResponseBytes,
        (received) =>
          new AgentError('AGENT_DDI_RESPONSE_TOO_LARGE', `${method} ${redactUrl(url)}: the response exceeds ${this.maxResponseBytes} bytes (${received})`, {
            details: { maxBytes: this.maxResponseBytes },
          }),
      );
    } catch (cause) {
      if (cause instanceof AgentError) throw cause;
      throw new AgentError('AGENT_DDI_UNREACHABLE', `${method} ${redactUrl(url)}: ${(cause as Error).message}`, { cause });
    }
    if ((status >= 200 && status < 300) || status === 304) return { status, body: bytes, etag };
    let message = '';
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { message?: unknown };
      if (typeof parsed.message === 'string') message = `: ${parsed.message.slice(0, 300)}`;
    } catch {
      // not JSON: the status says enough
    }
    const details = { status, url: redactUrl(url), ...(retryAfter ? { retryAfterSeconds: parseRetryAfter(retryAfter) } : {}) };
    if (status === 401 || status === 403) throw new AgentError('AGENT_DDI_UNAUTHORIZED', `${method} ${redactUrl(url)}: HTTP ${status}${message}`, { details });
    throw new AgentError('AGENT_DDI_HTTP', `${method} ${redactUrl(url)}: HTTP ${status}${message}`, { details });
  }

  private json(body: Buffer, what: string): unknown {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw invalid(`${what} (not JSON)`, cause);
    }
  }

  /** Root poll (§1.3): the polling interval and the links to follow. */
  async poll(): Promise<PollResult> {
    const res = await this.request('GET', this.base, undefined, this.lastPoll ? { 'if-none-match': this.lastPoll.etag } : {});
    if (res.status === 304 && this.lastPoll) return { ...this.lastPoll.result, notModified: true };
    const root = parseWith(ddiRootSchema, this.json(res.body, 'poll response'), 'poll response');
    const sleepSeconds = parsePollingSleep(root.config.polling.sleep);
    const raw = root._links ?? {};
    const links: PollResult['links'] = {};
    for (const resource of ['deploymentBase', 'cancelAction', 'confirmationBase', 'installedBase'] as const) {
      const href = raw[resource]?.href;
      if (href) links[resource] = this.actionLink(href, resource);
    }
    if (raw.configData) {
      const { url, authenticated } = this.resolve(raw.configData.href);
      if (!authenticated || new URL(url).pathname !== `${this.basePath}/configData`)
        throw invalid(`configData link ${JSON.stringify(redactUrl(raw.configData.href))}`);
      links.configData = url;
    }
    const result = { sleepSeconds, links };
    this.lastPoll = res.etag ? { etag: res.etag, result } : undefined;
    return { ...result, notModified: false };
  }

  /** deploymentBase (§1.4), typed. */
  async deployment(href: string): Promise<Deployment> {
    return this.deploymentAt(href, 'deploymentBase');
  }

  /** installedBase (§1.4): the deployment the device last installed, in the same shape. */
  async installedBase(href: string): Promise<Deployment> {
    return this.deploymentAt(href, 'installedBase');
  }

  private async deploymentAt(href: string, resource: 'deploymentBase' | 'installedBase'): Promise<Deployment> {
    const link = this.actionLink(href, resource);
    const res = await this.request('GET', link.href);
    const body = parseWith(ddiDeploymentSchema, this.json(res.body, 'deployment'), 'deployment');
    if (Number(body.id) !== link.actionId) throw invalid(`deployment: id ${body.id} is not the linked action ${link.actionId}`);
    const chunks: DeploymentChunk[] = body.deployment.chunks.map((chunk, c) => ({
      part: chunk.part,
      name: chunk.name,
      version: chunk.version,
      encrypted: chunk.encrypted ?? false,
      metadata: chunk.metadata ?? [],
      artifacts: chunk.artifacts.map((a, i) => {
        const artifact: DeploymentArtifact = { filename: a.filename, size: a.size, hashes: a.hashes };
        const download = a._links?.download?.href ?? a._links?.['download-http']?.href;
        if (download) artifact.downloadUrl = this.resolve(download).url;
        if (a.osprey?.tufTarget) artifact.tufTarget = a.osprey.tufTarget;
        const encryption = a.osprey?.encryption;
        if (encryption) {
          if (encryption.header !== undefined && !BASE64.test(encryption.header)) {
            throw invalid(`deployment at deployment.chunks.${c}.artifacts.${i}.osprey.encryption.header: not base64`);
          }
          artifact.encryption = { format: encryption.format, ...(encryption.header === undefined ? {} : { header: Buffer.from(encryption.header, 'base64') }) };
        }
        return artifact;
      }),
    }));
    const deployment: Deployment = { actionId: link.actionId, download: body.deployment.download, update: body.deployment.update, chunks };
    if (body.deployment.maintenanceWindow) deployment.maintenanceWindow = body.deployment.maintenanceWindow;
    if (body.osprey?.tuf) deployment.tuf = { metadataUrl: this.resolve(body.osprey.tuf.metadata).url, targetsUrl: this.resolve(body.osprey.tuf.targets).url };
    if (body.actionHistory) deployment.actionHistory = body.actionHistory;
    return deployment;
  }

  private feedbackBody(
    execution: Execution,
    finished: FinishedResult,
    details: readonly string[],
    progress?: { cnt: number; of: number },
    code?: number,
  ): DdiFeedback {
    const body: DdiFeedback = {
      timestamp: Date.now(),
      status: {
        execution,
        result: { finished, ...(progress ? { progress } : {}) },
        ...(code === undefined ? {} : { code }),
        ...(details.length > 0 ? { details: details.slice(0, 50).map((d) => (d.length > 512 ? `${d.slice(0, 509)}...` : d)) } : {}),
      },
    };
    return ddiFeedbackSchema.parse(body);
  }

  /** Feedback on a deployment (§1.5). */
  async feedback(
    actionId: number,
    execution: Execution,
    finished: FinishedResult,
    details: readonly string[] = [],
    progress?: { cnt: number; of: number },
    code?: number,
  ): Promise<void> {
    await this.request('POST', `${this.base}/deploymentBase/${actionId}/feedback`, this.feedbackBody(execution, finished, details, progress, code));
  }

  /** Refuse a deployment with the precise reason: closed/failure, `CODE: message` first. */
  async reportRefusal(actionId: number, error: unknown, context: readonly string[] = []): Promise<void> {
    await this.feedback(actionId, 'closed', 'failure', [...failureDetails(error), ...context]);
  }

  /** The cancel instruction (§1.5 cancelAction). */
  async cancelAction(href: string): Promise<{ actionId: number; stopId: number }> {
    const link = this.actionLink(href, 'cancelAction');
    const res = await this.request('GET', link.href);
    const body = parseWith(ddiCancelSchema, this.json(res.body, 'cancel action'), 'cancel action');
    return { actionId: Number(body.id), stopId: Number(body.cancelAction.stopId) };
  }

  /**
   * Answer a cancellation (the handshake): `closed`/`success` once the device stopped the action,
   * `rejected` when it is too late (installing, say).
   */
  async cancelFeedback(actionId: number, execution: Execution, finished: FinishedResult, details: readonly string[] = []): Promise<void> {
    await this.request('POST', `${this.base}/cancelAction/${actionId}/feedback`, this.feedbackBody(execution, finished, details));
  }

  /** PUT configData (§1.7): the device's attributes (≤ 128 characters per key and value). */
  async putConfigData(attributes: Record<string, string>, mode: 'merge' | 'replace' | 'remove' = 'merge'): Promise<void> {
    await this.request('PUT', `${this.base}/configData`, { mode, data: attributes });
  }

  /** Confirm or deny an action waiting for confirmation (§1.6). */
  async confirm(actionId: number, confirmation: 'confirmed' | 'denied', details: readonly string[] = []): Promise<void> {
    await this.request('POST', `${this.base}/confirmationBase/${actionId}/feedback`, {
      confirmation,
      ...(details.length > 0 ? { details: [...details] } : {}),
    });
  }

  /** Osprey: register the device's own public key (PEM or age recipient), when the tenant allows it. */
  async registerPublicKey(publicKey: string): Promise<{ created: boolean }> {
    const res = await this.request('PUT', `${this.base}/osprey/publicKey`, { publicKey });
    return { created: res.status === 201 };
  }
}

/**
 * Artifact upload: POST /rest/v1/softwaremodules/{id}/artifacts as multipart/form-data, the
 * optional fields first and then the part `file` (the order the server's streaming parser wants,
 * see packages/server/src/http/mgmt/software-modules.ts).
 *
 * Why not the typed client: fetch has no upload progress, and a large image must show how far it
 * got. XMLHttpRequest with a FormData holding the File lets the browser stream the file from disk
 * (never read into memory here) and reports `upload.onprogress`. Same URL and the same
 * `Authorization: Bearer <session token>` header as the typed client (lib/api.ts).
 */
import { ApiError, type ErrorBody } from '@osprey/client';
import type { Artifact } from './types.js';
import { formatBytes } from './format.js';

/** The part of XMLHttpRequest the upload uses; tests inject a fake one. */
export interface UploadRequest {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly upload: { onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  readonly status: number;
  readonly responseText: string;
}

export interface UploadProgress {
  /** Bytes of the request body sent so far. */
  loaded: number;
  /** The request body's size (the file and the few bytes of the multipart framing). */
  total: number;
}

export interface UploadOptions {
  moduleId: number;
  file: Blob;
  /** The artifact's name (default: the file's own). */
  filename?: string;
  /** The SHA-256 the operator expects (hex); the server refuses the upload if the bytes differ. */
  sha256?: string;
  token: string;
  onProgress: (progress: UploadProgress) => void;
  baseUrl?: string;
  createRequest?: () => UploadRequest;
}

export interface Upload {
  /** The stored artifact, or an ApiError (the server's refusal), UploadCancelled or UploadFailed. */
  done: Promise<Artifact>;
  cancel: () => void;
}

export class UploadCancelled extends Error {
  override readonly name = 'UploadCancelled';
  constructor() {
    super('The upload was cancelled; nothing was stored.');
  }
}

/** The connection broke before the server answered. */
export class UploadFailed extends Error {
  override readonly name = 'UploadFailed';
  constructor() {
    super('The connection to the server broke off during the upload; nothing was stored. Try again.');
  }
}

/** What the server means by a refusal when its body is not the usual JSON (e.g. a proxy answered). */
const STATUS_WORDS: Record<number, string> = {
  400: 'The server could not read the upload.',
  413: 'The file is larger than the server accepts.',
  415: 'The server accepts artifacts only as a multipart file upload.',
  507: 'The server has no room left to store the file.',
};

/** The error body of a refusal, or words for the status when there is none. */
export function refusalOf(status: number, responseText: string): ApiError {
  let body: ErrorBody | undefined;
  try {
    const parsed = JSON.parse(responseText) as Partial<ErrorBody>;
    if (typeof parsed.message === 'string') body = { errorCode: String(parsed.errorCode ?? `HTTP_${status}`), message: parsed.message };
  } catch {
    // not JSON: described by its status below
  }
  return new ApiError(status, body ?? { errorCode: `HTTP_${status}`, message: STATUS_WORDS[status] ?? `The server answered ${status}.` });
}

export function uploadArtifact(options: UploadOptions): Upload {
  const request = (options.createRequest ?? (() => new XMLHttpRequest() as UploadRequest))();
  const form = new FormData();
  if (options.filename) form.append('filename', options.filename);
  if (options.sha256) form.append('sha256sum', options.sha256.trim().toLowerCase());
  // Last: the server reads the fields before it streams the file.
  form.append('file', options.file, options.filename ?? (options.file as File).name ?? 'artifact');

  const done = new Promise<Artifact>((resolve, reject) => {
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress({ loaded: event.loaded, total: event.total });
    };
    request.onload = () => {
      if (request.status === 201 || request.status === 200) {
        try {
          resolve(JSON.parse(request.responseText) as Artifact);
        } catch {
          reject(refusalOf(request.status, ''));
        }
      } else {
        reject(refusalOf(request.status, request.responseText));
      }
    };
    request.onerror = () => reject(new UploadFailed());
    request.onabort = () => reject(new UploadCancelled());
  });

  const base = (options.baseUrl ?? window.location.origin).replace(/\/+$/, '');
  request.open('POST', `${base}/rest/v1/softwaremodules/${encodeURIComponent(String(options.moduleId))}/artifacts`);
  request.setRequestHeader('Authorization', `Bearer ${options.token}`);
  request.setRequestHeader('Accept', 'application/json');
  request.send(form);
  return { done, cancel: () => request.abort() };
}

/** Percent (0–100, whole) of a progress; 0 when the size is not known yet. */
export function percentOf(progress: UploadProgress | undefined): number {
  if (!progress || progress.total <= 0) return 0;
  return Math.min(100, Math.floor((progress.loaded / progress.total) * 100));
}

/** "1.50 MB of 4.00 MB (37%)", or what happens once every byte is sent. */
export function describeProgress(progress: UploadProgress | undefined): string {
  if (!progress) return 'Starting…';
  if (progress.total > 0 && progress.loaded >= progress.total) return `${formatBytes(progress.total)} sent; the server is checking and storing the file…`;
  return `${formatBytes(progress.loaded)} of ${formatBytes(progress.total)} (${percentOf(progress)}%)`;
}

// @vitest-environment happy-dom
import { ApiError } from '@osprey/client';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../lib/errors.js';
import { describeProgress, percentOf, refusalOf, uploadArtifact, UploadCancelled, UploadFailed, type UploadProgress, type UploadRequest } from './upload.js';

/** A fake XMLHttpRequest: records what was sent, and lets the test play the network's part. */
class FakeRequest implements UploadRequest {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | undefined;
  aborted = false;
  status = 0;
  responseText = '';
  upload: UploadRequest['upload'] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  answer(status: number, body: string) {
    this.status = status;
    this.responseText = body;
    this.onload?.();
  }
}

const file = () => new File([new Uint8Array(3000)], 'gw-os.img', { type: 'application/octet-stream' });

function start(extra: { filename?: string; sha256?: string } = {}) {
  const fake = new FakeRequest();
  const seen: UploadProgress[] = [];
  const upload = uploadArtifact({
    moduleId: 42,
    file: file(),
    token: 'oss_secret',
    baseUrl: 'http://server/',
    onProgress: (p) => seen.push(p),
    createRequest: () => fake,
    ...extra,
  });
  return { fake, seen, upload };
}

describe('artifact upload', () => {
  it('posts the fields before the file with the session token, reports progress and resolves with the stored artifact', async () => {
    const { fake, seen, upload } = start({ filename: 'renamed.img', sha256: ' ABCDEF ' });
    expect(fake.method).toBe('POST');
    expect(fake.url).toBe('http://server/rest/v1/softwaremodules/42/artifacts');
    expect(fake.headers.Authorization).toBe('Bearer oss_secret');
    // The server's streaming parser reads the fields first, then the file.
    expect([...fake.body!.keys()]).toEqual(['filename', 'sha256sum', 'file']);
    expect(fake.body!.get('sha256sum')).toBe('abcdef');
    const sent = fake.body!.get('file') as File;
    expect(sent.name).toBe('renamed.img');
    expect(sent.size).toBe(3000);

    fake.progress(1000, 3200);
    fake.upload.onprogress?.({ loaded: 0, total: 0, lengthComputable: false });
    fake.progress(3200, 3200);
    expect(seen).toEqual([
      { loaded: 1000, total: 3200 },
      { loaded: 3200, total: 3200 },
    ]);
    fake.answer(201, JSON.stringify({ id: 7, providedFilename: 'renamed.img' }));
    await expect(upload.done).resolves.toMatchObject({ id: 7, providedFilename: 'renamed.img' });
  });

  it('sends only the file when no optional field is given', () => {
    const { fake } = start();
    expect([...fake.body!.keys()]).toEqual(['file']);
    expect((fake.body!.get('file') as File).name).toBe('gw-os.img');
  });

  it("rejects with the server's refusal in words", async () => {
    const { fake, upload } = start();
    fake.answer(413, JSON.stringify({ errorCode: 'PAYLOAD_TOO_LARGE', message: 'the artifact exceeds the limit of 4194304 bytes' }));
    const error = await upload.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(describeError(error)).toEqual({ title: 'Too large', message: 'the artifact exceeds the limit of 4194304 bytes' });
  });

  it('says what a status means when the refusal has no JSON body', () => {
    expect(describeError(refusalOf(413, '<html>too big</html>'))).toEqual({ title: 'Too large', message: 'The file is larger than the server accepts.' });
    expect(describeError(refusalOf(507, ''))).toEqual({ title: 'The server has no room left', message: 'The server has no room left to store the file.' });
    expect(describeError(refusalOf(415, '')).message).toMatch(/multipart/);
    expect(describeError(refusalOf(502, '')).message).toBe('The server answered 502.');
  });

  it('cancels: aborts the request and rejects with UploadCancelled', async () => {
    const { fake, upload } = start();
    fake.progress(500, 3200);
    upload.cancel();
    expect(fake.aborted).toBe(true);
    await expect(upload.done).rejects.toBeInstanceOf(UploadCancelled);
  });

  it('a broken connection is UploadFailed, not a silent stop', async () => {
    const { fake, upload } = start();
    fake.onerror?.();
    await expect(upload.done).rejects.toBeInstanceOf(UploadFailed);
  });

  it('describes progress in percent and bytes, and the wait after the last byte', () => {
    expect(percentOf(undefined)).toBe(0);
    expect(percentOf({ loaded: 0, total: 0 })).toBe(0);
    expect(percentOf({ loaded: 1_500_000, total: 4_000_000 })).toBe(37);
    expect(percentOf({ loaded: 5, total: 4 })).toBe(100);
    expect(describeProgress(undefined)).toBe('Starting…');
    expect(describeProgress({ loaded: 1_500_000, total: 4_000_000 })).toBe('1.50 MB of 4.00 MB (37%)');
    expect(describeProgress({ loaded: 4_000_000, total: 4_000_000 })).toBe('4.00 MB sent; the server is checking and storing the file…');
  });
});

/**
 * A store that accepts connections and then never answers (an overloaded gateway, a dropped
 * path): the S3 client gives up after its idle timeout instead of waiting forever, so an upload's
 * or a delete's transaction, which waits on the store, ends (blob/s3-store.ts S3_IDLE_TIMEOUT_MS).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore, s3ClientConfig } from '../src/blob/s3-store.js';

describe('S3 store against a gateway that never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let endpoint = '';
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // read nothing, answer nothing
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a request after the idle timeout rather than hanging', async () => {
    const cfg = { kind: 's3' as const, bucket: 'b', region: 'us-east-1', endpoint, forcePathStyle: true, prefix: '', accessKeyId: 'k', secretAccessKey: 's' };
    const client = new S3Client({ ...s3ClientConfig(cfg, 200), maxAttempts: 1 });
    const store = new S3BlobStore(client, 'b');
    try {
      await expect(store.ping()).rejects.toThrow(/timed out after 200 ms of inactivity/);
      await expect(store.has('a'.repeat(64))).rejects.toThrow(/timed out after 200 ms of inactivity/);
    } finally {
      client.destroy();
    }
  });
});

/**
 * A real S3 store of a test's own: Ceph's RADOS Gateway on a one-node cluster (one mon, one
 * memstore OSD, radosgw), started by .ci/ceph/start-rgw.sh on free ports in a temp directory.
 * Unlike s3rver it checks every signature, so a tampered or expired presigned URL is refused as
 * by a production store. About 2.6 s to start; always stop() it (the daemons run in their own
 * session and outlive the test process otherwise).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { s3ClientConfig } from '@osprey/server';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';

const SCRIPTS = join(import.meta.dirname, '..', '.ci', 'ceph');

export interface S3Service {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** Whether Ceph's daemons are installed (.ci/install-system-packages installs them in CI). */
export function hasCeph(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v ceph-mon && command -v ceph-osd && command -v radosgw'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startS3(): Promise<S3Service> {
  const dir = join(makeTempDir('osprey-rgw-'), 'ceph');
  const env = { ...process.env, CEPH_TEST_DIR: dir, RGW_PORT: String(await freePort()), CEPH_MON_PORT: String(await freePort()) };
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('bash', [join(SCRIPTS, 'start-rgw.sh')], { env, timeout: 120_000 }));
  } catch (e) {
    rmSync(join(dir, '..'), { recursive: true, force: true });
    throw new Error(`Ceph RGW did not start: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`, { cause: e });
  }
  const values = Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  return {
    endpoint: values.S3_ENDPOINT!,
    region: values.S3_REGION!,
    accessKeyId: values.S3_ACCESS_KEY!,
    secretAccessKey: values.S3_SECRET_KEY!,
    async stop() {
      await promisify(execFile)('bash', [join(SCRIPTS, 'stop-rgw.sh')], { env, timeout: 60_000 }).catch(() => undefined);
      rmSync(join(dir, '..'), { recursive: true, force: true });
    },
  };
}

/** A client of the test's own for `s3` (creating buckets, listing what a store left), configured as the server's store is. */
export function s3ClientOf(s3: S3Service): S3Client {
  return new S3Client(
    s3ClientConfig({
      kind: 's3',
      bucket: 'unused',
      region: s3.region,
      endpoint: s3.endpoint,
      prefix: '',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    }),
  );
}

/**
 * The artifact store's settings from the environment (OSPREY_BLOB_STORE, OSPREY_S3_*): defaults,
 * the S3Client options the presigned links share, and one-line errors naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { s3ClientConfig } from '../src/blob/s3-store.js';

const s3Env = { OSPREY_BLOB_STORE: 's3', OSPREY_S3_BUCKET: 'osprey-artifacts' };

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('blob store configuration', () => {
  it('is the file store by default and when OSPREY_BLOB_STORE=file', () => {
    expect(loadConfig({}).blobStore).toEqual({ kind: 'file' });
    expect(loadConfig({ OSPREY_BLOB_STORE: 'file', OSPREY_S3_BUCKET: 'ignored' }).blobStore).toEqual({ kind: 'file' });
  });

  it('reads every S3 setting, with region us-east-1, prefix "" and virtual-host addressing on AWS by default', () => {
    expect(loadConfig(s3Env).blobStore).toEqual({ kind: 's3', bucket: 'osprey-artifacts', region: 'us-east-1', prefix: '', forcePathStyle: false });
    const all = loadConfig({
      ...s3Env,
      OSPREY_S3_REGION: 'eu-central-1',
      OSPREY_S3_ENDPOINT: 'https://rgw.example.net:7480',
      OSPREY_S3_PREFIX: 'fleet/osprey/',
      OSPREY_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      OSPREY_S3_SECRET_ACCESS_KEY: 'secret-value-1234',
    }).blobStore;
    expect(all).toEqual({
      kind: 's3',
      bucket: 'osprey-artifacts',
      region: 'eu-central-1',
      endpoint: 'https://rgw.example.net:7480',
      forcePathStyle: true, // an endpoint of its own: path-style by default
      prefix: 'fleet/osprey/',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret-value-1234',
    });
    expect(loadConfig({ ...s3Env, OSPREY_S3_ENDPOINT: 'http://127.0.0.1:9000', OSPREY_S3_FORCE_PATH_STYLE: 'false' }).blobStore).toMatchObject({
      forcePathStyle: false,
    });
    expect(loadConfig({ ...s3Env, OSPREY_S3_FORCE_PATH_STYLE: '1' }).blobStore).toMatchObject({ forcePathStyle: true });
  });

  it('s3ClientConfig gives the SDK the endpoint, addressing and keys; without keys the default chain', () => {
    const cfg = loadConfig({
      ...s3Env,
      OSPREY_S3_ENDPOINT: 'http://127.0.0.1:9000',
      OSPREY_S3_ACCESS_KEY_ID: 'id',
      OSPREY_S3_SECRET_ACCESS_KEY: 'secret',
    }).blobStore;
    if (cfg.kind !== 's3') throw new Error('expected s3');
    expect(s3ClientConfig(cfg)).toMatchObject({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
    const chain = loadConfig(s3Env).blobStore;
    if (chain.kind !== 's3') throw new Error('expected s3');
    expect(s3ClientConfig(chain)).not.toHaveProperty('credentials');
    expect(s3ClientConfig(chain)).not.toHaveProperty('endpoint');
  });

  it('refuses bad values with one line naming the variable, never echoing a secret', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ OSPREY_BLOB_STORE: 'gcs' }, /^invalid configuration blobStore\.kind \(OSPREY_BLOB_STORE\): must be file or s3$/],
      [{ OSPREY_BLOB_STORE: 's3' }, /blobStore\.bucket \(OSPREY_S3_BUCKET\): set the bucket name/],
      [{ ...s3Env, OSPREY_S3_BUCKET: 'Not_A_Bucket' }, /blobStore\.bucket \(OSPREY_S3_BUCKET\): must be a bucket name/],
      [{ ...s3Env, OSPREY_S3_ENDPOINT: 'ftp://files.example.net' }, /blobStore\.endpoint \(OSPREY_S3_ENDPOINT\): must be an http:\/\/ or https:\/\/ URL/],
      [{ ...s3Env, OSPREY_S3_ENDPOINT: 'not a url' }, /\(OSPREY_S3_ENDPOINT\)/],
      [{ ...s3Env, OSPREY_S3_FORCE_PATH_STYLE: 'maybe' }, /blobStore\.forcePathStyle \(OSPREY_S3_FORCE_PATH_STYLE\): must be true or false/],
      [{ ...s3Env, OSPREY_S3_PREFIX: 'no-trailing-slash' }, /blobStore\.prefix \(OSPREY_S3_PREFIX\): must be empty or path segments/],
      [{ ...s3Env, OSPREY_S3_PREFIX: '../up/' }, /\(OSPREY_S3_PREFIX\)/],
      [{ ...s3Env, OSPREY_S3_SECRET_ACCESS_KEY: 'lonely-secret-value' }, /blobStore\.accessKeyId \(OSPREY_S3_ACCESS_KEY_ID\): give both/],
      [{ ...s3Env, OSPREY_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, /blobStore\.secretAccessKey \(OSPREY_S3_SECRET_ACCESS_KEY\): give both/],
    ];
    for (const [env, expected] of cases) {
      const message = failure(env);
      expect(message).toMatch(expected);
      expect(message.split('\n')).toHaveLength(1);
      expect(message).not.toContain('lonely-secret-value');
    }
  });
});

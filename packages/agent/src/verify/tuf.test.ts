/**
 * resolveRelease against a TUF repository built with @osprey/core and served by a local HTTP
 * server: good metadata, wrong signatures, expiry, replayed (rolled back) versions, unknown or
 * unsuitable targets, and the refusal of odd target paths (attack cases 1, 5, 6, 9, 11).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGE_CHUNK_SIZE,
  buildReleaseTarget,
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  expiresAfter,
  isOspreyError,
  KeyObjectSigner,
  OspreyError,
  serializeMetadata,
  signMetadata,
  type Signer,
} from '@osprey/core';
import type { TargetFile } from '@tufjs/models';
import { settledFailureCode } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { AgentError, failureCode } from '../errors.js';
import { assignedRelease } from './assigned.js';
import { checkAssignedArtifact, resolveRelease, tufFailure, type DeviceFacts } from './tuf.js';

const signer = () => new KeyObjectSigner(generateKeyPairSync('ed25519').privateKey);
const keys = { root: signer(), targets: signer(), snapshot: signer(), timestamp: signer() };
const files = new Map<string, Buffer>();
const work = tempDirForFile('osprey-agent-tuf-');
const board: DeviceFacts = { hardware: 'board-a', securityVersion: 3 };
let server: Server;
let metadataUrl: string;
let rootBytes: Buffer;
let clients = 0;
let versions = { targets: 0, snapshot: 0, timestamp: 0 };

const custom = (securityVersion: number, hardware = ['board-a', 'board-b']) => ({
  name: 'gw-os',
  version: `1.${securityVersion}.0`,
  securityVersion,
  hardware,
  installType: 'image',
  plaintext: { length: 1000, sha256: 'a'.repeat(64) },
  encryption: { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE },
});

/** Publish a new targets/snapshot/timestamp chain. */
async function publish(targets: TargetFile[], options: { expires?: string; timestampSigner?: Signer } = {}): Promise<void> {
  const expires = options.expires ?? expiresAfter(new Date(), 7);
  const t = buildTargets(++versions.targets, expires, targets);
  await signMetadata(t, [keys.targets]);
  const s = buildSnapshot(++versions.snapshot, expires, t);
  await signMetadata(s, [keys.snapshot]);
  const ts = buildTimestamp(++versions.timestamp, expires, s);
  await signMetadata(ts, [options.timestampSigner ?? keys.timestamp]);
  files.set(`${t.signed.version}.targets.json`, serializeMetadata(t));
  files.set(`${s.signed.version}.snapshot.json`, serializeMetadata(s));
  files.set('timestamp.json', serializeMetadata(ts));
}

/** A device's metadata directory holding only the provisioned root. */
function deviceDir(): string {
  const dir = join(work, `device-${++clients}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'root.json'), rootBytes);
  return dir;
}

const releases = [
  buildReleaseTarget({ length: 4242, sha256: 'b'.repeat(64), custom: custom(5) }),
  buildReleaseTarget({ length: 10, sha256: 'c'.repeat(64), custom: custom(2) }),
  buildReleaseTarget({ length: 10, sha256: 'd'.repeat(64), custom: custom(7, ['board-z']) }),
];

const refusal = (promise: Promise<unknown>): Promise<string> => settledFailureCode(promise, failureCode);

beforeAll(async () => {
  const root = buildRoot({
    roles: {
      root: { keys: [keys.root.key], threshold: 1 },
      targets: { keys: [keys.targets.key], threshold: 1 },
      snapshot: { keys: [keys.snapshot.key], threshold: 1 },
      timestamp: { keys: [keys.timestamp.key], threshold: 1 },
    },
    expires: expiresAfter(new Date(), 365),
  });
  await signMetadata(root, [keys.root]);
  rootBytes = serializeMetadata(root);
  files.set('1.root.json', rootBytes);
  await publish(releases);
  server = createServer((req, res) => {
    const match = /^\/T\/tuf\/metadata\/([^/]+)$/.exec(req.url!);
    const body = match ? files.get(match[1]!) : undefined;
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  metadataUrl = `${await listenOnLoopback(server)}/T/tuf/metadata`;
});
afterAll(async () => {
  await closeServer(server);
});

describe('resolveRelease', () => {
  it('admits a signed target for this hardware at or above the device security version', async () => {
    const release = await resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: deviceDir(), targetPath: 'gw-os-1.5.0.age', device: board });
    expect(release).toMatchObject({
      targetPath: 'gw-os-1.5.0.age',
      length: 4242,
      sha256: 'b'.repeat(64),
      custom: { securityVersion: 5, hardware: ['board-a', 'board-b'] },
    });
    // Equal security version is allowed (reinstall).
    await resolveRelease({
      tufMetadataUrl: metadataUrl,
      metadataDir: deviceDir(),
      targetPath: 'gw-os-1.5.0.age',
      device: { hardware: 'board-b', securityVersion: 5 },
    });
  });

  it('refuses a downgrade, foreign hardware and an unsigned target', async () => {
    const source = { tufMetadataUrl: metadataUrl, metadataDir: deviceDir() };
    expect(await refusal(resolveRelease({ ...source, targetPath: 'gw-os-1.2.0.age', device: board }))).toBe('RELEASE_DOWNGRADE');
    expect(await refusal(resolveRelease({ ...source, targetPath: 'gw-os-1.7.0.age', device: board }))).toBe('RELEASE_HARDWARE_MISMATCH');
    expect(await refusal(resolveRelease({ ...source, targetPath: 'gw-os-9.9.9.age', device: board }))).toBe('TUF_TARGET_UNKNOWN');
  });

  it('refuses target paths with traversal or encoding tricks before any request', async () => {
    for (const path of ['../etc/passwd', 'a/b.age', '%2e%2e%2fx', '']) {
      expect(await refusal(resolveRelease({ tufMetadataUrl: 'http://127.0.0.1:1/none', metadataDir: deviceDir(), targetPath: path, device: board }))).toBe(
        'RELEASE_METADATA_INVALID',
      );
    }
  });

  it('needs a valid provisioned root and a reachable repository', async () => {
    const empty = join(work, 'unprovisioned');
    mkdirSync(empty, { recursive: true });
    expect(await refusal(resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: empty, targetPath: 'gw-os-1.5.0.age', device: board }))).toBe(
      'AGENT_TUF_ROOT_MISSING',
    );
    writeFileSync(join(empty, 'root.json'), '{}');
    expect(await refusal(resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: empty, targetPath: 'gw-os-1.5.0.age', device: board }))).toBe(
      'TUF_INVALID_METADATA',
    );
    expect(
      await refusal(resolveRelease({ tufMetadataUrl: `${metadataUrl}/nothing-here`, metadataDir: deviceDir(), targetPath: 'gw-os-1.5.0.age', device: board })),
    ).toBe('AGENT_TUF_UNREACHABLE');
    expect(
      await refusal(
        resolveRelease({
          tufMetadataUrl: 'http://127.0.0.1:1/T/tuf/metadata',
          metadataDir: deviceDir(),
          targetPath: 'gw-os-1.5.0.age',
          device: board,
          tufConfig: { fetchRetries: 0 },
        }),
      ),
    ).toBe('AGENT_TUF_UNREACHABLE');
  });

  it('refuses a timestamp signed by the wrong key, and keeps its trusted state', async () => {
    const dir = deviceDir();
    await resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: dir, targetPath: 'gw-os-1.5.0.age', device: board });
    const saved = new Map(files);
    const savedVersions = { ...versions };
    try {
      await publish(releases, { timestampSigner: keys.snapshot });
      expect(await refusal(resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: dir, targetPath: 'gw-os-1.5.0.age', device: board }))).toBe(
        'TUF_BAD_SIGNATURE',
      );
      expect(await refusal(resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: deviceDir(), targetPath: 'gw-os-1.5.0.age', device: board }))).toBe(
        'TUF_BAD_SIGNATURE',
      );
    } finally {
      files.clear();
      for (const [k, v] of saved) files.set(k, v);
      versions = savedVersions;
    }
    // Back to good metadata: the device that saw the bad one still updates.
    await resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: dir, targetPath: 'gw-os-1.5.0.age', device: board });
  });

  it('refuses expired metadata (freeze)', async () => {
    const saved = new Map(files);
    const savedVersions = { ...versions };
    try {
      await publish(releases, { expires: expiresAfter(new Date(), -1) });
      expect(await refusal(resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: deviceDir(), targetPath: 'gw-os-1.5.0.age', device: board }))).toBe(
        'TUF_EXPIRED',
      );
    } finally {
      files.clear();
      for (const [k, v] of saved) files.set(k, v);
      versions = savedVersions;
    }
  });

  it('refuses a replayed older timestamp once it saw a newer one; the highest version survives a restart', async () => {
    const dir = deviceDir();
    const old = files.get('timestamp.json')!;
    await publish(releases);
    await resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: dir, targetPath: 'gw-os-1.5.0.age', device: board });
    const current = files.get('timestamp.json')!;
    files.set('timestamp.json', old);
    try {
      // A new Updater (a reboot) reads the newest trusted metadata from the directory.
      expect(await refusal(resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: dir, targetPath: 'gw-os-1.5.0.age', device: board }))).toBe(
        'TUF_VERSION_MISMATCH',
      );
    } finally {
      files.set('timestamp.json', current);
    }
  });

  it('maps tuf-js errors it did not see above', () => {
    const require = createRequire(import.meta.url);
    const tuf = require('tuf-js/dist/error') as Record<string, new (...args: never[]) => Error>;
    const make = (name: string, ...args: unknown[]) => new (tuf[name] as unknown as new (...a: unknown[]) => Error)(...args);
    expect(tufFailure(make('DownloadLengthMismatchError', 'Max length reached'), 'metadata').code).toBe('TUF_INVALID_METADATA');
    expect(tufFailure(make('DownloadLengthMismatchError', 'Max length reached'), 'target').code).toBe('TUF_TARGET_MISMATCH');
    expect(tufFailure(make('DownloadHTTPError', 'Failed', 500), 'metadata')).toMatchObject({ code: 'AGENT_TUF_UNREACHABLE', details: { status: 500 } });
    expect(tufFailure(make('RepositoryError', 'Missing file'), 'metadata').code).toBe('TUF_INVALID_METADATA');
    expect(tufFailure(new SyntaxError('Unexpected token'), 'metadata').code).toBe('TUF_INVALID_METADATA');
    const own = new OspreyError('TUF_EXPIRED');
    expect(tufFailure(own, 'metadata')).toBe(own);
  });
});

describe('the assigned artifact', () => {
  const deployment = { tuf: { metadataUrl: 'http://s/T/tuf/metadata', targetsUrl: 'http://s/T/tuf/targets' } };
  const artifact = { filename: 'gw-os.img', size: 4242, hashes: { sha256: 'b'.repeat(64) } };

  it('must name a signed target of a TUF repository', () => {
    expect(() => assignedRelease(deployment, artifact)).toThrow(AgentError);
    expect(() => assignedRelease({}, { ...artifact, tufTarget: 'x.age' })).toThrow(/names no TUF repository/);
    const header = Buffer.from('age');
    expect(
      assignedRelease(deployment, { ...artifact, tufTarget: 'gw-os-1.5.0.age', encryption: { format: 'age-v1', header }, downloadUrl: 'http://s/a' }),
    ).toEqual({
      tufMetadataUrl: 'http://s/T/tuf/metadata',
      tufTargetsUrl: 'http://s/T/tuf/targets',
      targetPath: 'gw-os-1.5.0.age',
      header,
      downloadUrl: 'http://s/a',
    });
  });

  it('must agree with the signed length and hash (full verification)', async () => {
    const release = await resolveRelease({ tufMetadataUrl: metadataUrl, metadataDir: deviceDir(), targetPath: 'gw-os-1.5.0.age', device: board });
    expect(() => checkAssignedArtifact(artifact, release)).not.toThrow();
    for (const other of [
      { ...artifact, size: 4243 },
      { ...artifact, hashes: { sha256: 'e'.repeat(64) } },
    ]) {
      let error: unknown;
      try {
        checkAssignedArtifact(other, release);
      } catch (e) {
        error = e;
      }
      expect(isOspreyError(error, 'TUF_TARGET_MISMATCH')).toBe(true);
    }
  });
});

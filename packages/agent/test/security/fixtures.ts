/**
 * Shared fixtures of the security suite: a tenant's TUF repository whose keys the test holds (so it
 * can sign wrongly, too little, or replay old files), served over loopback HTTP in the layout
 * tuf-js reads, and a device metadata directory whose trusted state can be compared before and
 * after an attack.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  AGE_CHUNK_SIZE,
  buildReleaseTarget,
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  expiresAfter,
  KeyObjectSigner,
  nextRoot,
  serializeMetadata,
  signMetadata,
  type Signer,
} from '@osprey/core';
import type { Metadata, Root, TargetFile } from '@tufjs/models';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';

export const newSigner = (): Signer => new KeyObjectSigner(generateKeyPairSync('ed25519').privateKey);

export const releaseCustom = (securityVersion: number, hardware = ['board-a']) => ({
  name: 'gw-os',
  version: `1.${securityVersion}.0`,
  securityVersion,
  hardware,
  installType: 'image',
  plaintext: { length: 1000, sha256: 'a'.repeat(64) },
  encryption: { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE },
});

/** The releases every repository starts with: security versions 5 (board-a), 2 (board-a), 7 (board-z). */
export const standardReleases = (): TargetFile[] => [
  buildReleaseTarget({ length: 4242, sha256: 'b'.repeat(64), custom: releaseCustom(5) }),
  buildReleaseTarget({ length: 10, sha256: 'c'.repeat(64), custom: releaseCustom(2) }),
  buildReleaseTarget({ length: 10, sha256: 'd'.repeat(64), custom: releaseCustom(7, ['board-z']) }),
];

type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';

export interface PublishOptions {
  expires?: string;
  /** Signers per role for this publication (default: the role's current keys). */
  signers?: Partial<Record<Exclude<Role, 'root'>, Signer[]>>;
  /** Version numbers to use instead of the next ones (a replay or a rollback). */
  versions?: Partial<Record<Exclude<Role, 'root'>, number>>;
}

/** A TUF repository with keys the test controls, served at `metadataUrl`. */
export class TestRepository {
  readonly files = new Map<string, Buffer>();
  keys: Record<Role, Signer[]>;
  root!: Metadata<Root>;
  versions = { targets: 0, snapshot: 0, timestamp: 0 };
  metadataUrl = '';
  private server?: Server;

  constructor(thresholds: Partial<Record<Role, number>> = {}) {
    const count = (role: Role) => Math.max(1, thresholds[role] ?? 1);
    this.keys = {
      root: Array.from({ length: count('root') }, newSigner),
      targets: Array.from({ length: count('targets') }, newSigner),
      snapshot: Array.from({ length: count('snapshot') }, newSigner),
      timestamp: Array.from({ length: count('timestamp') }, newSigner),
    };
    this.thresholds = { root: count('root'), targets: count('targets'), snapshot: count('snapshot'), timestamp: count('timestamp') };
  }
  readonly thresholds: Record<Role, number>;

  async start(targets: TargetFile[] = standardReleases()): Promise<this> {
    const role = (r: Role) => ({ keys: this.keys[r].map((s) => s.key), threshold: this.thresholds[r] });
    this.root = buildRoot({
      roles: { root: role('root'), targets: role('targets'), snapshot: role('snapshot'), timestamp: role('timestamp') },
      expires: expiresAfter(new Date(), 365),
    });
    await signMetadata(this.root, this.keys.root);
    this.files.set('1.root.json', serializeMetadata(this.root));
    await this.publish(targets);
    this.server = createServer((req, res) => {
      const match = /^\/T\/tuf\/metadata\/([^/]+)$/.exec(req.url!);
      const body = match ? this.files.get(match[1]!) : undefined;
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    this.metadataUrl = `${await listenOnLoopback(this.server)}/T/tuf/metadata`;
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  get rootBytes(): Buffer {
    return this.files.get('1.root.json')!;
  }

  /** Publishes a targets → snapshot → timestamp chain; returns the files it wrote. */
  async publish(targets: TargetFile[] = standardReleases(), options: PublishOptions = {}): Promise<Map<string, Buffer>> {
    const expires = options.expires ?? expiresAfter(new Date(), 7);
    const v = (role: Exclude<Role, 'root'>) => options.versions?.[role] ?? this.versions[role] + 1;
    const t = buildTargets(v('targets'), expires, targets);
    await signMetadata(t, options.signers?.targets ?? this.keys.targets);
    const s = buildSnapshot(v('snapshot'), expires, t);
    await signMetadata(s, options.signers?.snapshot ?? this.keys.snapshot);
    const ts = buildTimestamp(v('timestamp'), expires, s);
    await signMetadata(ts, options.signers?.timestamp ?? this.keys.timestamp);
    for (const role of ['targets', 'snapshot', 'timestamp'] as const) this.versions[role] = Math.max(this.versions[role], v(role));
    const written = new Map([
      [`${t.signed.version}.targets.json`, serializeMetadata(t)],
      [`${s.signed.version}.snapshot.json`, serializeMetadata(s)],
      ['timestamp.json', serializeMetadata(ts)],
    ]);
    for (const [name, bytes] of written) this.files.set(name, bytes);
    return written;
  }

  /**
   * Publishes root N+1 with new keys for `roles`, signed by the old and the new root keys as TUF
   * asks, or only by the new ones (`signedBy: 'new'`, what an attacker without the old keys can
   * do). The repository's keys become the new ones.
   */
  async rotate(roles: Role[], signedBy: 'both' | 'new' = 'both'): Promise<void> {
    const fresh = Object.fromEntries(roles.map((r) => [r, Array.from({ length: this.thresholds[r] }, newSigner)])) as Partial<Record<Role, Signer[]>>;
    const change = Object.fromEntries(Object.entries(fresh).map(([r, s]) => [r, { keys: s.map((k) => k.key), threshold: this.thresholds[r as Role] }]));
    const next = nextRoot(this.root, { roles: change, expires: expiresAfter(new Date(), 365) });
    await signMetadata(next, signedBy === 'new' ? (fresh.root ?? this.keys.root) : [...this.keys.root, ...(fresh.root ?? [])]);
    this.files.set(`${next.signed.version}.root.json`, serializeMetadata(next));
    this.root = next;
    this.keys = { ...this.keys, ...fresh };
  }

  /** A copy of every file, to put the repository back after an attack. */
  snapshotFiles(): Map<string, Buffer> {
    return new Map(this.files);
  }
  restore(saved: Map<string, Buffer>): void {
    this.files.clear();
    for (const [k, v] of saved) this.files.set(k, v);
  }
}

/** A fresh device metadata directory holding only the provisioned root. */
export function deviceMetadataDir(parent: string, name: string, rootBytes: Uint8Array): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'root.json'), rootBytes);
  return dir;
}

/** Every file of a directory and its SHA-256: the device's trusted state, compared across an attack. */
export function directoryState(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]),
  );
}

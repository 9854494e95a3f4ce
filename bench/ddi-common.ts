/**
 * Shared by the `ddi` benchmark (ddi.ts) and its server child (ddi-server-child.ts): the messages
 * between them and how controller ids and target tokens are derived, so that both sides agree
 * without shipping 10,000 tokens over a pipe. No side effects on import.
 */
import { createHash } from 'node:crypto';

/** What the parent asks of the Osprey child. */
export interface OspreySpec {
  /**
   * init: first start on an empty database (PGlite's initdb, migrations, the admin password hash),
   * then seed everything. serve: a restart on that database, seeding nothing: the server measured.
   */
  phase: 'init' | 'serve';
  dataDir: string;
  /** postgres://… of a fresh database; PGlite in dataDir when absent. */
  databaseUrl?: string;
  /** The built console to serve at `/` (the console benchmark); the server's default when absent. */
  consoleDir?: string;
  /** The blob store configuration (the direct-download part: an S3 bucket on Ceph RGW); the file store when absent. */
  blobStore?: Record<string, unknown>;
  /** OSPREY_DIRECT_DOWNLOADS (the direct-download part: presigned). */
  directDownloads?: 'off' | 'presigned';
  /** How many targets (controller ids `poll-1` … `poll-N`) to register for the root-poll test. */
  devices: number;
  /** Target tokens are md5(tokenKey ‖ controllerId), see targetToken(). */
  tokenKey: string;
  /** targets.request_attributes of the poll targets (true: the poll answers a configData link too). */
  requestAttributes: boolean;
  /** The download test: one module with this artifact, assigned to `clients` targets `dl-1` … `dl-N`. */
  artifact?: {
    file: string;
    filename: string;
    clients: number;
    /** false: register the clients without an assignment (the fleet benchmark's rollout assigns them). */
    assign?: boolean;
  };
}

/** The Osprey child's one line on stdout once it listens and is seeded. */
export interface OspreyReady {
  ready: true;
  url: string;
  pid: number;
  dbKind: 'pglite' | 'postgres';
  targetsInDb: number;
  /** From the start of the process to ready (init: including seeding). */
  startSeconds: number;
  download?: { moduleId: number; filename: string; size: number; targets: Array<{ controllerId: string; token: string }> };
}

/** The hello-world child's line. */
export interface HelloReady {
  ready: true;
  url: string;
  pid: number;
}

export const POLL_ID_PREFIX = 'poll-';
export const pollControllerId = (i: number): string => `${POLL_ID_PREFIX}${i}`;
/** A target's token: md5 hex of tokenKey ‖ controllerId (the child computes the same in SQL). */
export const targetToken = (tokenKey: string, controllerId: string): string =>
  createHash('md5')
    .update(tokenKey + controllerId)
    .digest('hex');

/**
 * The baseline's route has the DDI root poll's shape (two parameters), so that the load generator
 * sends byte-for-byte the same kind of requests to both servers and the router does similar work.
 */
export const HELLO_ROUTE = '/:tenant/controller/v1/:controllerId';

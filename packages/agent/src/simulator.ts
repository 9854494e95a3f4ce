/**
 * A simulated fleet: many real `Agent`s in one process against one server, for demos and load.
 * Each device gets its own directory under `workDir` (`<workDir>/<controllerId>/`) with file slots
 * (a factory image in slot a), a {@link SimulatedBootloader}, a software device key, a security
 * version record and the tenant's TUF root. Re-running with the same `workDir` resumes the devices.
 *
 * The TUF root is taken from `rootJson` when given; otherwise it is fetched once from the server
 * (`/{tenant}/tuf/metadata/1.root.json`) — trust on first use, acceptable for a simulator only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from './agent.js';
import { FileSecurityVersionStore } from './bootloader/security-version.js';
import { SimulatedBootloader } from './bootloader/simulated.js';
import { sleep } from './ddi/backoff.js';
import { DdiClient } from './ddi/client.js';
import { AgentError, failureDetails } from './errors.js';
import type { HealthCheck } from './health/types.js';
import { silentLogger, type AgentLogger } from './log.js';
import { SoftwareKeyElement } from './secure-element/software.js';
import { AbSlots } from './slots/ab.js';
import { FileSlot } from './slots/image-slot.js';
import type { InstallPhase } from './state/machine.js';
import type { InstalledRelease } from './state/side-files.js';
import { StateStore } from './state/store.js';

export interface SimulatedFleetOptions {
  /** Base URL of the Osprey server. */
  readonly server: string;
  /** Default `DEFAULT`. */
  readonly tenant?: string;
  readonly count: number;
  /** Controller ids are `<idPrefix><n>` (n from 1, zero-padded to 3 digits). Default `sim-`. */
  readonly idPrefix?: string;
  /** The tenant's gateway token: targets are auto-registered on their first request. */
  readonly gatewayToken?: string;
  /** Per-device target tokens instead (the targets must exist on the server). */
  readonly token?: (controllerId: string) => string;
  /** Every device's directory lives here. */
  readonly workDir: string;
  /** Default `board-a`. */
  readonly hardware?: string;
  /** Applied to every device. Default: always healthy. */
  readonly healthCheck?: HealthCheck;
  /**
   * A device's own health check, before `healthCheck` (undefined: that one). Demos make some
   * devices fail their trial boot this way: they roll back and report the action failed.
   */
  readonly healthCheckOf?: (controllerId: string) => HealthCheck | undefined;
  /** The tenant's TUF root; fetched from the server when absent. */
  readonly rootJson?: Uint8Array;
  /** The image in slot a of a new device. Default: 64 KiB of random bytes per device. */
  readonly factoryImage?: Uint8Array;
  /** The security version of a new device. Default 0. */
  readonly securityVersion?: number;
  /** Register each device's public key with the server (the tenant must allow self-registration). Default true. */
  readonly registerKeys?: boolean;
  /** Delay between polls of an idle device, and after a failed step (ms). Default 1000. */
  readonly pollMs?: number;
  /**
   * Pause after every step of an install too (ms; each pause random between half and one and a
   * half times this), so that a person watching a console sees an update progress. Default 0.
   */
  readonly stepDelayMs?: number;
  /** Random numbers in [0, 1) for that pause (injectable for tests). Default Math.random. */
  readonly random?: () => number;
  /** Stop when this holds (checked after every step). */
  readonly until?: (devices: readonly SimulatedDeviceOutcome[]) => boolean;
  /** Stop after this long in any case (ms). Default 60 s. */
  readonly durationMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: AgentLogger;
  /** Called after every step of every device (narration, progress). */
  readonly onStep?: (controllerId: string, did: string, phase: InstallPhase) => void;
}

export interface SimulatedDeviceOutcome {
  readonly controllerId: string;
  /** The phase after the last step. */
  phase: InstallPhase;
  /** The release committed last (null: still the factory image). */
  installed: InstalledRelease | null;
  steps: number;
  /** Every step's `did`, in order, including `error: …` for failed steps. */
  readonly log: string[];
  lastError: string | null;
}

export interface SimulatedFleetResult {
  readonly devices: SimulatedDeviceOutcome[];
  /** The `until` condition held (false: stopped by the duration or the signal). */
  readonly completed: boolean;
  readonly elapsedMs: number;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** All devices hold a committed release with this version (a convenient `until`). */
export const allInstalled = (version: string, name?: string) => (devices: readonly SimulatedDeviceOutcome[]) =>
  devices.every((d) => d.phase === 'idle' && d.installed?.version === version && (name === undefined || d.installed.name === name));

export function simulatedIds(count: number, idPrefix = 'sim-'): string[] {
  return Array.from({ length: count }, (_, i) => `${idPrefix}${String(i + 1).padStart(3, '0')}`);
}

async function fetchRoot(server: string, tenant: string): Promise<Buffer> {
  const url = `${server.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/tuf/metadata/1.root.json`;
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok)
    throw new AgentError('AGENT_TUF_UNREACHABLE', `could not fetch the tenant's TUF root from ${url}: HTTP ${res.status}`, { details: { status: res.status } });
  return body;
}

/** Lays out (once) and opens one simulated device. */
async function openSimulatedDevice(
  dir: string,
  controllerId: string,
  o: SimulatedFleetOptions,
  rootJson: () => Promise<Uint8Array>,
): Promise<{ agent: Agent; element: SoftwareKeyElement; ddi: DdiClient }> {
  const tenant = o.tenant ?? 'DEFAULT';
  const metadataDir = join(dir, 'tuf');
  const bootenv = join(dir, 'bootenv');
  const secverKey = join(dir, 'secver.key');
  const secver = join(dir, 'security-version.json');
  mkdirSync(metadataDir, { recursive: true });
  if (!existsSync(join(metadataDir, 'root.json'))) writeFileSync(join(metadataDir, 'root.json'), await rootJson());
  if (!existsSync(secverKey)) writeFileSync(secverKey, randomBytes(32), { mode: 0o600 });
  if (!existsSync(secver)) FileSecurityVersionStore.provision(secver, readFileSync(secverKey), o.securityVersion ?? 0);
  const fresh = !existsSync(bootenv);
  const bootloader = new SimulatedBootloader(bootenv, { initialSlot: 'a' });
  const slots = new AbSlots({ a: new FileSlot('a', join(dir, 'slot-a.img')), b: new FileSlot('b', join(dir, 'slot-b.img')) }, bootloader);
  if (fresh) {
    const image = o.factoryImage ?? randomBytes(64 * 1024);
    await slots.get('a').write(
      (async function* () {
        yield image;
      })(),
      { length: image.length, sha256: sha256(image) },
    );
  }
  const healthCheck = o.healthCheckOf?.(controllerId) ?? o.healthCheck;
  const element = new SoftwareKeyElement(join(dir, 'device-key.pem'));
  const ddi = new DdiClient({
    server: o.server,
    tenant,
    controllerId,
    ...(o.token ? { targetToken: o.token(controllerId) } : o.gatewayToken ? { gatewayToken: o.gatewayToken } : {}),
  });
  const agent = new Agent({
    ddi,
    element,
    slots,
    bootloader,
    store: new StateStore(join(dir, 'state.json')),
    securityVersion: new FileSecurityVersionStore(secver, readFileSync(secverKey)),
    metadataDir,
    workDir: join(dir, 'work'),
    hardware: o.hardware ?? 'board-a',
    ...(healthCheck ? { healthCheck } : {}),
    logger: o.logger ?? silentLogger,
  });
  return { agent, element, ddi };
}

/**
 * Provisions `count` devices (idempotent), registers their public keys, then steps every agent
 * concurrently — at once while an install is in progress, every `pollMs` when idle — until `until`
 * holds, `durationMs` passes or `signal` aborts.
 */
export async function runSimulatedFleet(options: SimulatedFleetOptions): Promise<SimulatedFleetResult> {
  if (!Number.isSafeInteger(options.count) || options.count < 1) throw new RangeError('count must be a positive integer');
  if (!options.gatewayToken && !options.token) throw new TypeError('a gateway token or per-device tokens are needed');
  const started = Date.now();
  const tenant = options.tenant ?? 'DEFAULT';
  let root: Promise<Uint8Array> | undefined;
  const rootJson = () => (root ??= options.rootJson ? Promise.resolve(options.rootJson) : fetchRoot(options.server, tenant));
  const ids = simulatedIds(options.count, options.idPrefix);
  const devices = await Promise.all(ids.map((id) => openSimulatedDevice(join(options.workDir, id), id, options, rootJson)));
  const outcomes: SimulatedDeviceOutcome[] = ids.map((controllerId, i) => ({
    controllerId,
    phase: 'idle',
    installed: devices[i]!.agent.installed(),
    steps: 0,
    log: [],
    lastError: null,
  }));

  const stop = new AbortController();
  // Every device waits on this one signal between polls: not a leak however large the fleet.
  setMaxListeners(options.count + 10, stop.signal);
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), options.durationMs ?? 60_000);
  let completed = false;
  const check = () => {
    if (!completed && options.until?.(outcomes)) {
      completed = true;
      stop.abort();
    }
  };
  const pollMs = options.pollMs ?? 1000;
  const stepDelayMs = options.stepDelayMs ?? 0;
  const random = options.random ?? Math.random;

  try {
    if (options.registerKeys ?? true) {
      await Promise.all(
        devices.map(async ({ element, ddi }) => {
          const key = await element.provision();
          await ddi.registerPublicKey(key.publicKeyPem);
        }),
      );
    }
    check();
    await Promise.all(
      devices.map(async ({ agent }, i) => {
        const outcome = outcomes[i]!;
        while (!stop.signal.aborted) {
          let delay = 0;
          try {
            const r = await agent.step();
            outcome.phase = r.phase;
            outcome.log.push(r.did);
            outcome.lastError = null;
            if (r.idle) delay = pollMs;
            else if (stepDelayMs > 0) delay = Math.round(stepDelayMs * (0.5 + random()));
            outcome.installed = agent.installed();
            options.onStep?.(outcome.controllerId, r.did, r.phase);
          } catch (e) {
            outcome.lastError = failureDetails(e)[0] ?? String(e);
            outcome.log.push(`error: ${outcome.lastError}`);
            delay = pollMs;
          }
          outcome.steps++;
          check();
          if (delay > 0) await sleep(delay, stop.signal).catch(() => undefined);
        }
      }),
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    for (const { element } of devices) element.close();
  }
  return { devices: outcomes, completed, elapsedMs: Date.now() - started };
}

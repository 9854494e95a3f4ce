/**
 * `npm run demo:fleet [-- --once] [--devices N] [--port P] [--fast]`: a fleet to watch in the console.
 *
 * Starts the embedded server (PGlite on disk in a fresh data directory, serving the built console),
 * a simulated fleet of a few dozen devices (`runSimulatedFleet`: file slots, simulated bootloader,
 * software keys, auto-registered with the gateway token), makes a signed and encrypted release
 * through the management API and a staged rollout over the fleet in three groups (each needs every
 * device to succeed; more than 20 % failures pause the rollout). Some devices of the second group
 * fail their health check after the trial boot (they roll back and report ERROR), so the second
 * group breaches its error threshold and the rollout pauses — resume it in the console and the
 * third group follows. The devices are paced (a pause after every install step) so the rollout
 * takes a minute or two to watch. The server keeps running until Ctrl-C, which stops everything
 * and removes the data directory.
 *
 * `--once` runs the same story to its end without a person: it resumes the paused rollout itself,
 * waits until the rollout is finished, checks the outcome, and exits (0 when it went as told).
 * `--fast` drops the pacing (what the test runs).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runSimulatedFleet, simulatedIds, type SimulatedFleetResult } from '../packages/agent/src/index.js';
import { parseConfig, startServer } from '../packages/server/src/index.js';

export const DEMO_ADMIN = { username: 'admin', password: 'fleet-demo-admin-password' } as const;
const CONSOLE_INDEX = new URL('../packages/web/dist/index.html', import.meta.url);
/** More than this share of a group failing pauses the rollout. */
const ERROR_THRESHOLD_PERCENT = 20;

export interface FleetDemoOptions {
  /** Devices in the fleet (three groups). Default 30. */
  devices?: number;
  /** Run to the end without a person (resume the pause itself), then stop. */
  once?: boolean;
  /** No pacing: idle devices poll every 100 ms and installs do not pause between steps. */
  fast?: boolean;
  /** The server's port (0: one the kernel picks). */
  port?: number;
  /** Where the narration goes. Default stdout. */
  say?: (line: string) => void;
  /** Stops the demo (Ctrl-C). */
  signal?: AbortSignal;
}

export interface FleetDemoResult {
  url: string;
  rolloutId: number;
  /** The rollout's status when the demo stopped. */
  status: string;
  /** Whether the rollout paused after a group breached its error threshold. */
  paused: boolean;
  /** Devices made to fail their health check. */
  failing: string[];
  totalTargetsPerStatus: Record<string, number>;
  groupStatuses: string[];
}

interface Group {
  id: number;
  name: string;
  status: string;
  totalTargets: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export async function runFleetDemo(options: FleetDemoOptions = {}): Promise<FleetDemoResult> {
  const count = options.devices ?? 30;
  if (!Number.isInteger(count) || count < 6) throw new RangeError('the demo needs at least 6 devices (three groups of two)');
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const pace = options.fast ? { pollMs: 100, stepDelayMs: 0 } : { pollMs: 3000, stepDelayMs: 2500 };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const gatewayToken = randomBytes(16).toString('hex');
  const base = mkdtempSync(join(tmpdir(), 'osprey-fleet-demo-'));
  const server = await startServer(
    parseConfig({
      host: '127.0.0.1',
      port: options.port ?? 0,
      dataDir: join(base, 'server'),
      logLevel: 'silent',
      adminPassword: DEMO_ADMIN.password,
      // The scheduler moves the rollout on every second: the console shows each step soon.
      rolloutTickMs: 1000,
    }),
    // On disk: the data directory holds a database a console and a restart would both see.
    { inMemoryDatabase: false, listen: true },
  );
  const authorization = `Basic ${Buffer.from(`${DEMO_ADMIN.username}:${DEMO_ADMIN.password}`).toString('base64')}`;
  const api = async (method: string, path: string, body?: unknown, expected = [200, 201]): Promise<any> => {
    const form = body instanceof FormData;
    const res = await fetch(`${server.url}/rest/v1${path}`, {
      method,
      headers: { authorization, ...(body !== undefined && !form ? { 'content-type': 'application/json' } : {}) },
      ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  let fleetRun: Promise<SimulatedFleetResult> | undefined;
  try {
    say(`Osprey fleet demo: ${count} simulated devices, one signed and encrypted release, a staged rollout`);
    say('');
    if (existsSync(CONSOLE_INDEX)) say(`  Console:  ${server.url}/`);
    else say(`  Console:  not built — run \`npm run build\` first, then open ${server.url}/`);
    say(`  Sign in:  user ${DEMO_ADMIN.username}, password ${DEMO_ADMIN.password} (tenant DEFAULT)`);
    say(`  API:      ${server.url}/rest/v1 (the same user, HTTP Basic)`);
    say('');

    for (const [key, value] of [
      ['authentication.gatewaytoken.enabled', true],
      ['authentication.gatewaytoken.key', gatewayToken],
      ['device.publickey.selfregister.enabled', true],
    ] as const) {
      await api('PUT', `/system/configs/${key}`, { value });
    }
    say('1. Tenant configured: devices register themselves with the gateway token and register their own public keys.');

    const ids = simulatedIds(count, 'demo-');
    const failing = new Set<string>();
    const fleet = {
      server: server.url,
      count,
      idPrefix: 'demo-',
      gatewayToken,
      workDir: join(base, 'devices'),
      ...pace,
      // A device made to fail reports the trial boot unhealthy: it rolls back to slot a and reports ERROR.
      healthCheckOf: (id: string) => (failing.has(id) ? async () => ({ ok: false as const, reason: 'demo: the gateway service did not start' }) : undefined),
    };
    await runSimulatedFleet({ ...fleet, until: () => true });
    say(`2. ${count} devices provisioned and registered (${ids[0]} … ${ids[ids.length - 1]}), each running its factory image in slot a.`);

    const image = randomBytes(512 * 1024);
    const [module] = await api('POST', '/softwaremodules', [{ name: 'gateway-os', version: '2.0.0', type: 'os', encrypted: true }]);
    const form = new FormData();
    form.append('file', new Blob([image]), 'gateway-os.img');
    await api('POST', `/softwaremodules/${module.id}/artifacts`, form);
    const [set] = await api('POST', '/distributionsets', [{ name: 'gateway-os', version: '2.0.0', type: 'os', modules: [{ id: module.id }] }]);
    await api('POST', `/distributionsets/${set.id}/release`, { securityVersion: 2, hardware: ['board-a'], installType: 'image' });
    say(`3. Release gateway-os 2.0.0 (${image.length / 1024} KiB, security version 2, board-a): uploaded, encrypted, signed into the tenant's TUF repository.`);

    const rollout = await api('POST', '/rollouts', {
      name: 'gateway-os 2.0.0',
      description: 'fleet demo: the second group breaches its error threshold',
      distributionSetId: set.id,
      targetFilterQuery: 'controllerId==demo-*',
      amountGroups: 3,
      successCondition: { condition: 'THRESHOLD', expression: '100' },
      successAction: { action: 'NEXTGROUP', expression: '' },
      errorCondition: { condition: 'THRESHOLD', expression: String(ERROR_THRESHOLD_PERCENT) },
      errorAction: { action: 'PAUSE', expression: '' },
    });
    const rolloutId = Number(rollout.id);
    const groups = (await api('GET', `/rollouts/${rolloutId}/deploygroups?limit=10`)).content as Group[];
    const second = groups[1]!;
    const members = (await api('GET', `/rollouts/${rolloutId}/deploygroups/${second.id}/targets?limit=100`)).content as Array<{ controllerId: string }>;
    // Twice the threshold, so the group surely breaches it.
    const failCount = Math.max(1, Math.ceil((members.length * ERROR_THRESHOLD_PERCENT * 2) / 100));
    for (const m of members.slice(0, failCount)) failing.add(m.controllerId);
    say(
      `4. Rollout ${rolloutId} "${rollout.name}" over ${rollout.totalTargets} devices in ${groups.length} groups (${groups.map((g) => g.totalTargets).join(' + ')}); ` +
        `a group needs every device to succeed, more than ${ERROR_THRESHOLD_PERCENT} % failures pause the rollout.`,
    );
    say(`   ${[...failing].join(', ')} (in ${second.name}) will fail their health check after the trial boot.`);
    await api('POST', `/rollouts/${rolloutId}/start`);
    say(`5. Started. Watch it at ${server.url}/rollouts/${rolloutId}`);

    fleetRun = runSimulatedFleet({ ...fleet, signal: stop.signal, durationMs: 2 ** 31 - 1 });
    fleetRun.catch(() => undefined);

    // Narrate what the server says, once a second, until the rollout is finished (or Ctrl-C).
    let paused = false;
    let last = '';
    let current: any = rollout;
    let groupStatuses: string[] = [];
    while (!stop.signal.aborted) {
      current = await api('GET', `/rollouts/${rolloutId}`);
      const now = (await api('GET', `/rollouts/${rolloutId}/deploygroups?limit=10`)).content as Group[];
      groupStatuses = now.map((g) => g.status);
      const per = current.totalTargetsPerStatus as Record<string, number>;
      const line = `   rollout ${current.status}; groups ${now.map((g) => `${g.name} ${g.status}`).join(', ')}; devices finished ${per.finished}, error ${per.error}, running ${per.running}, scheduled ${per.scheduled}`;
      if (line !== last) say(line);
      last = line;
      if (current.status === 'paused' && !paused) {
        paused = true;
        const breached = now.find((g) => g.status === 'error');
        say(`6. ${breached?.name ?? 'A group'} breached its error threshold: the rollout is paused, the next group waits.`);
        if (options.once) {
          say('   (--once) resuming it as an operator would:');
          await api('POST', `/rollouts/${rolloutId}/resume`);
        } else {
          say(`   Open ${server.url}/rollouts/${rolloutId}, look at the failed devices' status messages, and press Resume.`);
        }
      }
      if (current.status === 'finished') {
        say(`7. The rollout is finished: ${per.finished} devices run gateway-os 2.0.0, ${per.error} rolled back to their factory image.`);
        break;
      }
      await sleep(options.fast ? 200 : 1000, stop.signal);
    }
    if (!options.once && !stop.signal.aborted) {
      say('');
      say(`The server keeps running for the console at ${server.url}/ — Ctrl-C stops the server and the devices and removes the demo's data.`);
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    return {
      url: server.url,
      rolloutId,
      status: current.status,
      paused,
      failing: [...failing].sort(),
      totalTargetsPerStatus: current.totalTargetsPerStatus,
      groupStatuses,
    };
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await fleetRun?.catch(() => undefined);
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      once: { type: 'boolean', default: false },
      fast: { type: 'boolean', default: false },
      devices: { type: 'string', default: '30' },
      port: { type: 'string', default: process.env.OSPREY_PORT ?? '0' },
    },
  });
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stdout.write('\nstopping the devices and the server …\n');
    stop.abort();
  });
  const result = await runFleetDemo({ once: values.once, fast: values.fast, devices: Number(values.devices), port: Number(values.port), signal: stop.signal });
  if (values.once) {
    const asTold = result.paused && result.status === 'finished' && result.totalTargetsPerStatus.error === result.failing.length;
    process.stdout.write(asTold ? 'The demo ran as told.\n' : `The demo did not go as told: ${JSON.stringify(result)}\n`);
    if (!asTold) process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`fleet demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}

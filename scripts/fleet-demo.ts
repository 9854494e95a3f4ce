/**
 * `npm run demo:fleet`: the embedded server in this process (PGlite in memory, a temporary data
 * directory), a signed and encrypted release made through the management API, and three simulated
 * devices (`runSimulatedFleet`) that register themselves with the gateway token, register their
 * public keys, and install it — narrated. Everything is removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allInstalled, runSimulatedFleet, simulatedIds } from '../packages/agent/src/index.js';
import { parseConfig, startServer } from '../packages/server/src/index.js';

const say = (line = '') => process.stdout.write(`${line}\n`);
const ADMIN_PASSWORD = 'fleet-demo-admin-password';
const GATEWAY_TOKEN = randomBytes(16).toString('hex');
const COUNT = 3;

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'osprey-fleet-demo-'));
  const server = await startServer(
    parseConfig({ host: '127.0.0.1', port: 0, dataDir: join(base, 'server'), logLevel: 'silent', adminPassword: ADMIN_PASSWORD }),
    {
      inMemoryDatabase: true,
      listen: true,
    },
  );
  const authorization = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
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

  try {
    const started = Date.now();
    say(`Osprey fleet demo: ${COUNT} simulated devices against an embedded server`);
    say(`1. Server listening on ${server.url} (tenant DEFAULT, admin password set by the demo).`);

    for (const [key, value] of [
      ['authentication.gatewaytoken.enabled', true],
      ['authentication.gatewaytoken.key', GATEWAY_TOKEN],
      ['device.publickey.selfregister.enabled', true],
    ] as const) {
      await api('PUT', `/system/configs/${key}`, { value });
    }
    say('2. Tenant configured: gateway token on (devices auto-register), devices may register their own public keys.');

    const ids = simulatedIds(COUNT, 'demo-');
    const fleet = { server: server.url, count: COUNT, idPrefix: 'demo-', gatewayToken: GATEWAY_TOKEN, workDir: join(base, 'devices'), pollMs: 200 };
    await runSimulatedFleet({ ...fleet, until: () => true });
    const targets = (await api('GET', '/targets?q=controllerId==demo-*&limit=50')).content as Array<{ controllerId: string; publicKey?: string | null }>;
    say(
      `3. Devices provisioned (file slots, simulated bootloader, software P-256 keys) and registered: ${targets
        .map((t) => t.controllerId)
        .sort()
        .join(', ')}.`,
    );
    say("   Each runs the factory image in slot a and trusts the tenant's TUF root.");

    const image = randomBytes(512 * 1024);
    const [module] = await api('POST', '/softwaremodules', [{ name: 'gateway-os', version: '2.0.0', type: 'os', encrypted: true }]);
    const form = new FormData();
    form.append('file', new Blob([image]), 'gateway-os.img');
    await api('POST', `/softwaremodules/${module.id}/artifacts`, form);
    const [set] = await api('POST', '/distributionsets', [{ name: 'gateway-os', version: '2.0.0', type: 'os', modules: [{ id: module.id }] }]);
    await api('POST', `/distributionsets/${set.id}/release`, { securityVersion: 2, hardware: ['board-a'], installType: 'image' });
    say(`4. Release gateway-os 2.0.0 (${image.length} bytes, security version 2, board-a): uploaded, encrypted, signed into TUF.`);

    const assigned = await api(
      'POST',
      `/distributionsets/${set.id}/assignedTargets`,
      ids.map((id) => ({ id })),
    );
    await server.ddi.settle();
    say(`5. Assigned to ${assigned.assigned} devices; each gets the one payload plus its own age header.`);

    say('6. The agents poll, download, verify (TUF + final hash), install into slot b, reboot, check health, commit:');
    const result = await runSimulatedFleet({
      ...fleet,
      until: allInstalled('2.0.0', 'gateway-os'),
      durationMs: 45_000,
      onStep: (id, did) => {
        if (did !== 'polled') say(`   ${id}: ${did}`);
      },
    });

    say('7. Result:');
    let ok = result.completed;
    for (const d of result.devices) {
      const actions = (await api('GET', `/targets/${d.controllerId}/actions`)).content as Array<{ status: string }>;
      const status = actions[0]?.status ?? 'none';
      if (status !== 'finished') ok = false;
      say(
        `   ${d.controllerId}: ${d.installed ? `${d.installed.name} ${d.installed.version} in slot ${d.installed.slot}` : 'factory image'}, server action ${status}`,
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!ok) {
      say(`The fleet did not finish the update (${seconds} s).`);
      process.exitCode = 1;
      return;
    }
    say(`Every device runs gateway-os 2.0.0 (${seconds} s).`);
    say();
    say('Next, against your own server: npm run build && node packages/agent/dist/cli.js simulate --server URL --count N --gateway-token T');
  } finally {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`fleet demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});

/**
 * The built `osprey-server` as a newcomer runs it: first start creates tenant DEFAULT and prints
 * the admin password once, probes answer, SIGTERM shuts down cleanly, a restart reuses the data.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_ADMIN_URL } from '../../../testkit/server.js';

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
const dataDir = mkdtempSync(join(tmpdir(), 'osprey-bin-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(env: Record<string, string> = {}, args: string[] = []) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, OSPREY_PORT: '0', OSPREY_HOST: '127.0.0.1', OSPREY_DATA_DIR: dataDir, OSPREY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line: ${out}`)), 30_000);
    child.stdout.on('data', () => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  listening.catch(() => undefined); // a test that expects a failed start awaits `exited` instead
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves once the output contains `text` (the banner is written in several pieces). */
  const printed = async (text: string) => {
    for (let i = 0; i < 100 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
    return out;
  };
  return { child, listening, exited, printed, output: () => out };
}

describe('osprey-server binary', () => {
  it('starts with the embedded default, answers probes, and stops cleanly on SIGTERM', async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
    const first = start();
    const url = await first.listening;
    expect(await first.printed('shown once')).toMatch(/created tenant DEFAULT and user "admin" with password \S{16,}/);
    const password = /with password (\S+)/.exec(first.output())![1]!;
    const passwordFile = join(dataDir, 'initial-admin-password');
    expect(first.output()).toContain(`also kept in ${passwordFile}`);
    expect(readFileSync(passwordFile, 'utf8')).toBe(`${password}\n`);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const login = await fetch(`${url}/rest/v1/targets`, { headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` } });
    expect(login.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    const unauthenticated = await fetch(`${url}/DEFAULT/controller/v1/dev01`);
    expect(unauthenticated.status).toBe(401);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start();
    await second.listening;
    expect(await second.printed('health:')).not.toMatch(/password/); // shown once, on the first start only
    expect(readFileSync(join(dataDir, 'initial-admin-password'), 'utf8')).toBe(`${password}\n`);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('writes no password file when OSPREY_ADMIN_PASSWORD chose the password, and never replaces one', async () => {
    const chosenDir = mkdtempSync(join(tmpdir(), 'osprey-bin-chosen-'));
    const keptDir = mkdtempSync(join(tmpdir(), 'osprey-bin-kept-'));
    try {
      const chosen = start({ OSPREY_DATA_DIR: chosenDir, OSPREY_ADMIN_PASSWORD: 'a chosen password' });
      await chosen.listening;
      expect(await chosen.printed('health:')).not.toMatch(/password/);
      expect(existsSync(join(chosenDir, 'initial-admin-password'))).toBe(false);
      chosen.child.kill('SIGTERM');
      expect(await chosen.exited).toBe(0);

      writeFileSync(join(keptDir, 'initial-admin-password'), 'kept\n');
      const kept = start({ OSPREY_DATA_DIR: keptDir });
      await kept.listening;
      expect(await kept.printed('shown once')).toMatch(/with password \S{16,}/);
      expect(readFileSync(join(keptDir, 'initial-admin-password'), 'utf8')).toBe('kept\n');
      kept.child.kill('SIGTERM');
      expect(await kept.exited).toBe(0);
    } finally {
      rmSync(chosenDir, { recursive: true, force: true });
      rmSync(keptDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad configuration with one line and exit code 2', async () => {
    const bad = start({ OSPREY_PORT: 'not-a-port' });
    expect(await bad.exited).toBe(2);
    expect(bad.output().trim().split('\n')).toHaveLength(1);
    expect(bad.output()).toMatch(/invalid configuration port/);
  });

  it('names every field that is wrong, with its environment variable, on one line', async () => {
    const bad = start({ OSPREY_PORT: 'not-a-port', OSPREY_LOG_LEVEL: 'loud' });
    expect(await bad.exited).toBe(2);
    expect(bad.output().trim().split('\n')).toHaveLength(1);
    expect(bad.output()).toMatch(/port \(OSPREY_PORT\)/);
    expect(bad.output()).toMatch(/logLevel \(OSPREY_LOG_LEVEL\)/);
  });

  it('exits 1 with one line when its port is taken, instead of running on', async () => {
    const first = start();
    const url = await first.listening;
    const port = new URL(url).port;
    const second = start({ OSPREY_PORT: port });
    expect(await second.exited).toBe(1);
    expect(second.output().trim().split('\n')).toEqual([
      `osprey-server: port ${port} on 127.0.0.1 is already in use: stop the other server or set OSPREY_PORT`,
    ]);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('explains itself: --help lists the settings, --version prints the version, an unknown command exits 2', async () => {
    const help = start({}, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/^Usage: osprey-server/);
    expect(help.output()).toContain('OSPREY_HOST');
    const version = start({}, ['--version']);
    expect(await version.exited).toBe(0);
    expect(version.output().trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = start({}, ['frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output().trim()).toBe('osprey-server: unknown command "frobnicate": use start, seed FILE.json, scrub or gc (see --help)');
  });

  it('prints where the management API, its OpenAPI document and the DDI base are', async () => {
    const server = start();
    const url = await server.listening;
    const out = await server.printed('health:');
    expect(out).toContain(`management API  ${url}/rest/v1`);
    expect(out).toContain(`OpenAPI: ${url}/rest/v1/openapi.json`);
    expect(out).toContain(`DDI for devices ${url}/DEFAULT/controller/v1/<controllerId>`);
    expect((await fetch(`${url}/rest/v1/openapi.json`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('scrub exits 0 while every artifact is intact and 1, with a line per damaged one, once a blob is gone', async () => {
    const scrubDir = mkdtempSync(join(tmpdir(), 'osprey-bin-scrub-'));
    try {
      writeFileSync(join(scrubDir, 'fw.bin'), 'firmware bytes');
      const spec = { modules: [{ key: 'os', type: 'os', name: 'fw', version: '1', artifacts: [{ file: 'fw.bin', filename: 'fw.bin' }] }] };
      writeFileSync(join(scrubDir, 'seed.json'), JSON.stringify(spec));
      const env = { OSPREY_DATA_DIR: join(scrubDir, 'data') };
      expect(await start(env, ['seed', join(scrubDir, 'seed.json')]).exited).toBe(0);
      const clean = start(env, ['scrub']);
      expect(await clean.exited).toBe(0);
      expect(clean.output().trim()).toBe('scrub: 1 artifacts in 1 blobs checked, 0 damaged');
      // sha256("firmware bytes") names the blob
      const sha = createHash('sha256').update('firmware bytes').digest('hex');
      rmSync(join(scrubDir, 'data', 'blobs', 'sha256', sha.slice(0, 2), sha));
      const damaged = start(env, ['scrub']);
      expect(await damaged.exited).toBe(1);
      expect(damaged.output()).toMatch(/^damaged: tenant DEFAULT artifact \d+ \(module \d+, fw\.bin\): missing$/m);
      expect(damaged.output().trim().split('\n').at(-1)).toBe('scrub: 1 artifacts in 1 blobs checked, 1 damaged');
    } finally {
      rmSync(scrubDir, { recursive: true, force: true });
    }
  });

  it('gc removes a blob no artifact refers to once it is older than an hour, and keeps the rest', async () => {
    const gcDir = mkdtempSync(join(tmpdir(), 'osprey-bin-gc-'));
    try {
      writeFileSync(join(gcDir, 'fw.bin'), 'firmware bytes');
      const spec = { modules: [{ key: 'os', type: 'os', name: 'fw', version: '1', artifacts: [{ file: 'fw.bin', filename: 'fw.bin' }] }] };
      writeFileSync(join(gcDir, 'seed.json'), JSON.stringify(spec));
      const env = { OSPREY_DATA_DIR: join(gcDir, 'data') };
      expect(await start(env, ['seed', join(gcDir, 'seed.json')]).exited).toBe(0);
      // Two orphans as an interrupted delete leaves them: one written two hours ago, one just now.
      const orphan = (text: string, ageMs: number) => {
        const sha = createHash('sha256').update(text).digest('hex');
        const dir = join(gcDir, 'data', 'blobs', 'sha256', sha.slice(0, 2));
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, sha), text);
        const then = new Date(Date.now() - ageMs);
        utimesSync(join(dir, sha), then, then);
        return join(dir, sha);
      };
      const old = orphan('old orphan', 2 * 60 * 60 * 1000);
      const fresh = orphan('fresh orphan', 0);
      const gc = start(env, ['gc']);
      expect(await gc.exited).toBe(0);
      expect(gc.output().trim()).toBe('gc: 3 blobs, 1 removed (10 bytes) that no artifact refers to');
      expect(existsSync(old)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
      const firmware = createHash('sha256').update('firmware bytes').digest('hex');
      expect(existsSync(join(gcDir, 'data', 'blobs', 'sha256', firmware.slice(0, 2), firmware))).toBe(true);
    } finally {
      rmSync(gcDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(await hasPostgres())('osprey-server binary on PostgreSQL', () => {
  it('exits with one line when a step after the database fails (an unreadable MQTT CA), its listener closed', async () => {
    const name = `osprey_test_bin_${process.pid}`;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      const run = start({ DATABASE_URL: url.toString(), OSPREY_MQTT_URL: 'mqtt://127.0.0.1:1', OSPREY_MQTT_CA: '/nonexistent/ca.pem' });
      // The database's LISTEN connection was open by then: the process still ends by itself.
      expect(await run.exited).toBe(2);
      expect(
        run
          .output()
          .trim()
          .split('\n')
          .filter((l) => /OSPREY_MQTT_CA/.test(l)),
      ).toEqual(['osprey-server: cannot read the MQTT CA bundle /nonexistent/ca.pem (OSPREY_MQTT_CA): ENOENT']);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});

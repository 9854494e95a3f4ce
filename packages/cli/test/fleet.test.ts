/**
 * An operator's day through the real server: targets, catalogue list/show, release status,
 * a rollout created, started and watched to its end (the watch's sleep drives the scheduler, so
 * nothing waits), tenant configuration, --version and shell completion. Mistakes exit 2 with one
 * line in the same wording whatever the command.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickRollouts } from '../../server/src/domain/rollouts.js';
import { compileTargetFilter } from '../../server/src/db/fields.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { runCli } from './run-cli.js';
import type { CliIo } from '../src/main.js';

const work = tempDirForFile('osprey-fleet-');
const T0 = Date.parse('2026-12-04T10:00:00Z');

describe('osprey fleet commands against a server', () => {
  let server: TestServer;
  let ds: number;
  let module: number;
  let clock = T0;
  const token = `osp_${randomBytes(24).toString('base64url')}`;
  const io = (over: Partial<CliIo> = {}): CliIo => ({ tty: false, sleep: async () => {}, now: () => new Date(clock), ...over });
  const osprey = (args: string[], over: Partial<CliIo> = {}) => runCli(args, {}, io(over));
  const tick = async () => {
    clock += 5000;
    await tickRollouts(server.database.db, new Date(clock), { compileFilter: compileTargetFilter });
  };

  beforeAll(async () => {
    process.env.OSPREY_CONFIG_DIR = join(work, 'config');
    server = await startTestServer('pglite', {}, { listen: true });
    await server.database.db
      .insertInto('api_tokens')
      .values({
        tenant: 'DEFAULT',
        name: 'operator',
        owner: 'admin',
        token_hash: createHash('sha256').update(token).digest('hex'),
        roles: JSON.stringify(['TENANT_ADMIN']),
      })
      .execute();
    expect((await osprey(['login', '--url', server.url, '--token', token])).code).toBe(0);
    const m = await osprey(['module', 'create', '--name', 'fw', '--version', '2.0']);
    module = m.json.id;
    ds = (await osprey(['ds', 'create', '--name', 'fw', '--version', '2.0', '--module', String(module)])).json.id;
  });
  afterAll(async () => {
    delete process.env.OSPREY_CONFIG_DIR;
    await server?.stop();
  });

  it('creates, lists, shows and deletes targets; an unknown one is one line, exit 2', async () => {
    writeFileSync(join(work, 'dev.pub'), 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n');
    const created = await osprey(['target', 'create', 'gw-1', '--name', 'Gateway 1', '--public-key', join(work, 'dev.pub'), '--json']);
    expect(created.code, created.err).toBe(0);
    expect(created.json).toMatchObject({ controllerId: 'gw-1', name: 'Gateway 1' });
    for (const id of ['gw-2', 'gw-3', 'lab-1']) expect((await osprey(['target', 'create', id])).code).toBe(0);

    const listed = await osprey(['target', 'list', '--q', 'controllerId==gw-*', '--json']);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.json.content.map((t: { controllerId: string }) => t.controllerId).sort()).toEqual(['gw-1', 'gw-2', 'gw-3']);
    const limited = await osprey(['target', 'list', '--limit', '2', '--json']);
    expect(limited.json).toMatchObject({ total: 4, size: 2 });

    const table = await osprey(['target', 'list', '--q', 'controllerId==gw-*']);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTROLLER ID\s+NAME\s+STATUS\s+LAST SEEN$/);
    expect(lines).toHaveLength(4);
    // Aligned: every row's NAME column starts where the header's does.
    const nameAt = lines[0]!.indexOf('NAME');
    expect(lines.find((l) => l.startsWith('gw-1'))!.slice(nameAt)).toMatch(/^Gateway 1/);

    const shown = await osprey(['target', 'show', 'gw-1', '--json']);
    expect(shown.json.publicKey).toMatch(/^age1ql3z7/);
    expect((await osprey(['target', 'show', 'gw-1'])).out).toMatch(/^controllerId\s+gw-1$/m);

    const deleted = await osprey(['target', 'delete', 'lab-1']);
    expect(deleted.code, deleted.err).toBe(0);
    for (const args of [
      ['target', 'show', 'lab-1'],
      ['target', 'delete', 'lab-1'],
    ]) {
      const missing = await osprey(args);
      expect(missing.code).toBe(2);
      expect(missing.err.trim().split('\n')).toHaveLength(1);
      expect(missing.err).toMatch(/^osprey: (GET|DELETE) \/targets\/lab-1: 404 .*lab-1.* \[[\w.]+\]$/m);
    }
  });

  it('lists and shows modules, sets, release status and actions', async () => {
    const modules = await osprey(['module', 'list', '--json']);
    expect(modules.json.content.map((m: { id: number }) => m.id)).toContain(module);
    expect((await osprey(['module', 'show', String(module), '--json'])).json).toMatchObject({ name: 'fw', version: '2.0' });
    expect((await osprey(['ds', 'list', '--q', 'name==fw', '--json'])).json.content).toHaveLength(1);
    expect((await osprey(['ds', 'show', String(ds), '--json'])).json.modules).toEqual([expect.objectContaining({ id: module })]);
    const release = await osprey(['release', 'show', String(ds), '--json']);
    expect(release.code, release.err).toBe(0);
    expect(release.json.state).toBe('draft');
    const releases = await osprey(['release', 'list']);
    expect(releases.out).toMatch(new RegExp(`^${ds}\\s+draft`, 'm'));

    const unknownModule = await osprey(['module', 'show', '999999']);
    const unknownSet = await osprey(['ds', 'show', '999999']);
    for (const r of [unknownModule, unknownSet]) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^osprey: GET \/[a-z]+\/999999: 404 .* \[[\w.]+\]\n$/);
    }
    const badId = await osprey(['ds', 'show', 'abc']);
    expect(badId.code).toBe(2);
    expect(badId.err).toMatch(/distribution set id must be a positive whole number/);

    expect((await osprey(['assign', String(ds), '--target', 'gw-3'])).code).toBe(0);
    const actions = await osprey(['action', 'list', '--json']);
    expect(actions.json.content).toHaveLength(1);
    const action = await osprey(['action', 'show', String(actions.json.content[0].id), '--json']);
    expect(action.json).toMatchObject({ type: 'update', active: true });
  });

  it('creates a rollout, pauses and resumes it, and watches it finish (exit 0)', async () => {
    const created = await osprey([
      'rollout',
      'create',
      '--name',
      'gw wave',
      '--ds',
      String(ds),
      '--filter',
      'controllerId==gw-1,controllerId==gw-2',
      '--groups',
      '2',
      '--success-threshold',
      '100',
      '--json',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(created.json).toMatchObject({ name: 'gw wave', totalGroups: 2, totalTargets: 2 });
    const id = String(created.json.id);
    await tick();
    expect((await osprey(['rollout', 'start', id, '--json'])).json.status).toMatch(/starting|running/);
    await tick();
    expect((await osprey(['rollout', 'pause', id, '--json'])).json.status).toBe('paused');
    expect((await osprey(['rollout', 'resume', id, '--json'])).json.status).toBe('running');
    const shown = await osprey(['rollout', 'show', id, '--json']);
    expect(shown.json.groups).toHaveLength(2);
    expect((await osprey(['rollout', 'list', '--json'])).json.content.map((r: { id: number }) => r.id)).toContain(created.json.id);

    // Each poll's sleep finishes whatever is running and lets the scheduler move on.
    let polls = 0;
    const sleep = async (ms: number) => {
      expect(ms).toBe(2000);
      polls++;
      await server.database.db
        .updateTable('actions')
        .set({ status: 'FINISHED', active: false })
        .where('rollout_id', '=', created.json.id)
        .where('active', '=', true)
        .execute();
      await tick();
    };
    const watched = await osprey(['rollout', 'watch', id, '--interval', '2'], { sleep });
    expect(watched.code, watched.err).toBe(0);
    expect(polls).toBeGreaterThan(0);
    const lines = watched.out.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/rollout \d+ finished: .*finished 2/);
    // One line per change: no two consecutive lines alike.
    const bodies = lines.map((l) => l.replace(/^\S+ /, ''));
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it('watch exits 1 when the rollout is stopped, and redraws in place on a terminal', async () => {
    const created = await osprey(['rollout', 'create', '--name', 'gw stop', '--ds', String(ds), '--filter', 'controllerId==gw-3', '--groups', '1', '--json']);
    const id = String(created.json.id);
    await tick();
    await osprey(['rollout', 'start', id]);
    let polls = 0;
    const sleep = async () => {
      if (++polls === 2) {
        const stopped = await fetch(`${server.url}/rest/v1/rollouts/${id}/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        expect(stopped.status).toBe(200);
        await tick();
      }
    };
    const watched = await osprey(['rollout', 'watch', id], { sleep, tty: true });
    expect(watched.code).toBe(1);
    expect(watched.err).toBe(`osprey: rollout ${id} stopped in error\n`);
    expect(watched.out).toContain('\x1b[');
    expect(watched.out).toMatch(/gw stop.*stopped/);
  });

  it('watch exits 1 when the rollout ends with a group over its error threshold', async () => {
    expect((await osprey(['target', 'create', 'edge-1'])).code).toBe(0);
    const created = await osprey([
      'rollout',
      'create',
      '--name',
      'edge',
      '--ds',
      String(ds),
      '--filter',
      'controllerId==edge-*',
      '--groups',
      '1',
      '--error-threshold',
      '50',
      '--json',
    ]);
    expect(created.code, created.err).toBe(0);
    const id = String(created.json.id);
    await tick();
    await osprey(['rollout', 'start', id]);
    await tick();
    const sleep = async () => {
      await server.database.db.updateTable('actions').set({ status: 'ERROR', active: false }).where('rollout_id', '=', created.json.id).execute();
      await tick();
    };
    const watched = await osprey(['rollout', 'watch', id], { sleep });
    expect(watched.code, watched.out).toBe(1);
    expect(watched.out.trimEnd().split('\n').at(-1)).toMatch(/rollout \d+ finished: .*error 1 \| group-1=error$/);
    expect(watched.err).toBe(`osprey: rollout ${id} stopped in error\n`);
  });

  it('gets and sets tenant configuration, values parsed as JSON when they are JSON', async () => {
    expect((await osprey(['config', 'set', 'pollingTime', '00:02:00'])).json).toEqual({ pollingTime: '00:02:00' });
    expect((await osprey(['config', 'set', 'target.autoregister.enabled', 'true'])).code).toBe(0);
    expect((await osprey(['config', 'get', 'target.autoregister.enabled', '--json'])).json).toMatchObject({ value: true, global: false });
    const all = await osprey(['config', 'get', '--json']);
    expect(all.json.pollingTime).toMatchObject({ value: '00:02:00' });
    expect((await osprey(['config', 'get'])).out).toMatch(/^pollingTime\s+"00:02:00"\s+tenant$/m);
    const unknown = await osprey(['config', 'get', 'no.such.key']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^osprey: unknown configuration key "no.such.key" \(known: pollingTime, /);
    const refused = await osprey(['config', 'set', 'no.such.key', '1']);
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toMatch(/^osprey: PUT \/system\/configs\/no.such.key: 4\d\d /);
  });

  it('prints its version and a completion script naming the commands', async () => {
    const v = await osprey(['--version']);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^\d+\.\d+\.\d+\n$/);
    const bash = await osprey(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.out).toMatch(/complete -o default -F _osprey osprey/);
    expect(bash.out).toContain('"rollout") words="create list show start pause resume watch');
    const zsh = await osprey(['completion', 'zsh']);
    expect(zsh.out).toMatch(/^#compdef osprey\n.*bashcompinit/);
    const fish = await osprey(['completion', 'fish']);
    expect(fish.code).toBe(2);
  });

  it('a bad flag or argument is one line, exit 2, in the same wording for every command', async () => {
    for (const [args, message] of [
      [['target', 'list', '--bogus'], "unknown option '--bogus'"],
      [['rollout', 'list', '--bogus'], "unknown option '--bogus'"],
      [
        ['rollout', 'create', '--name', 'x', '--ds', String(ds), '--filter', 'name==x', '--groups', '0'],
        "option '--groups <n>' argument '0' is invalid. must be from 1 to 500",
      ],
      [['target', 'show'], "missing required argument 'controllerId'"],
    ] as const) {
      const r = await osprey([...args]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`osprey: ${message} (run with --help for usage)\n`);
    }
    expect((await osprey(['rollout', 'list', '--json'])).json.content.map((r: { name: string }) => r.name)).not.toContain('x');
  });
});

/**
 * The SWUpdate harness (testkit/swupdate.ts) against Debian's real `swupdate`, without Osprey's
 * server: .swu files built here are installed by `swupdate -i` (local mode), and refused when the
 * signature, the image hash or the hardware revision is wrong. A last group drives suricatta
 * (hawkBit mode) against a scripted stub on 127.0.0.1 to prove the run/kill machinery and record
 * what SWUpdate sends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSwu,
  createSigner,
  describeResult,
  hasSwupdate,
  installSwu,
  startSuricatta,
  stopAllSwupdate,
  swDescription,
  writeLocalConfig,
  writeSwupdateConfig,
  type Signer,
  type SwupdateResult,
} from '../../testkit/swupdate.js';
import { tempDirForFile } from '../../testkit/temp-dir.js';

const work = tempDirForFile('osprey-swu-');
afterEach(() => stopAllSwupdate());

let counter = 0;
/** A fresh directory per test case, inside `work`. */
function caseDir(): string {
  const dir = join(work, `c${++counter}`);
  mkdirSync(join(dir, 'target'), { recursive: true });
  return dir;
}

/** Processes of this process group that are still alive (zombies do not count). */
function aliveInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const TIMEOUT = 20_000;

describe.runIf(hasSwupdate())('SWUpdate local install of harness-built .swu files', () => {
  let signer: Signer;
  let other: Signer;
  beforeAll(() => {
    signer = createSigner(join(work, 'keys'));
    other = createSigner(join(work, 'keys'), { name: 'other', commonName: 'someone else' });
  });

  function rawfileSwu(dir: string, data: Buffer, extra: Partial<Parameters<typeof buildSwu>[0]> = {}) {
    return buildSwu({
      dir,
      signer,
      hardware: ['1.0'],
      version: '1.2.3',
      name: 'app',
      images: [{ filename: 'app.bin', data, type: 'rawfile', path: join(dir, 'target', 'app.bin') }],
      ...extra,
    });
  }

  it('builds sw-description with hardware-compatibility, rawfile path and sha256', () => {
    const data = Buffer.from('hello');
    const text = swDescription({
      dir: '/sandbox',
      hardware: ['1.0', '1.1'],
      version: '2.0.0',
      name: 'demo "x"',
      images: [{ filename: 'a.bin', data, type: 'rawfile', path: '/sandbox/t/a.bin' }],
    });
    expect(text).toContain('hardware-compatibility: [ "1.0", "1.1" ];');
    expect(text).toContain('path = "/sandbox/t/a.bin";');
    expect(text).toContain('type = "rawfile";');
    expect(text).toContain(`sha256 = "${createHash('sha256').update(data).digest('hex')}";`);
    expect(text).toContain('description = "demo \\"x\\"";');
    expect(() =>
      swDescription({
        dir: '/sandbox',
        hardware: ['1.0'],
        version: '1',
        images: [{ filename: 'a.bin', data, type: 'rawfile', path: '/etc/passwd' }],
      }),
    ).toThrow(/outside the sandbox/);
    expect(() =>
      swDescription({
        dir: '/sandbox',
        hardware: ['1.0'],
        version: '1',
        images: [{ filename: 'a.bin', data, type: 'rawfile', path: '/sandbox/../etc/x' }],
      }),
    ).toThrow(/outside the sandbox/);
  });

  it('packs sw-description, its signature and the images, in that order, as cpio crc', () => {
    const dir = caseDir();
    const swu = rawfileSwu(dir, Buffer.from('payload'));
    expect(swu.endsWith('.swu')).toBe(true);
    const bytes = readFileSync(swu);
    // "070702" is the cpio "crc" (newc with checksum) magic; names follow the 110-byte headers.
    expect(bytes.subarray(0, 6).toString()).toBe('070702');
    const names: string[] = [];
    let off = 0;
    for (;;) {
      const header = bytes.subarray(off, off + 110).toString('latin1');
      expect(header.slice(0, 6)).toBe('070702');
      const size = parseInt(header.slice(54, 62), 16);
      const nameSize = parseInt(header.slice(94, 102), 16);
      const name = bytes.subarray(off + 110, off + 110 + nameSize - 1).toString();
      if (name === 'TRAILER!!!') break;
      names.push(name);
      off = Math.ceil((off + 110 + nameSize) / 4) * 4;
      off = Math.ceil((off + size) / 4) * 4;
    }
    expect(names).toEqual(['sw-description', 'sw-description.sig', 'app.bin']);
    expect(readdirSync(dir).filter((f) => f.startsWith('swu-staging-'))).toEqual([]);
  });

  it('accepts a signed .swu in check mode (-c) without installing anything', async () => {
    const dir = caseDir();
    const swu = rawfileSwu(dir, randomBytes(4096));
    const config = writeLocalConfig({ dir, publicKeyFile: signer.cert });
    const result = await installSwu({ swu, hardware: 'sim:1.0', config, checkOnly: true, timeoutMs: TIMEOUT });
    expect(result.outcome, describeResult(result)).toBe('success');
    expect(result.output).toContain('Verified OK');
    expect(result.output).toContain('Hardware compatibility verified');
    expect(existsSync(join(dir, 'target', 'app.bin'))).toBe(false);
  });

  it('installs a rawfile image at its path with the exact bytes (config with bootloader "none")', async () => {
    const dir = caseDir();
    const data = randomBytes(300_000);
    const swu = rawfileSwu(dir, data);
    const config = writeLocalConfig({ dir, publicKeyFile: signer.cert });
    expect(readFileSync(config, 'utf8')).toContain('bootloader = "none";');
    const result = await installSwu({ swu, hardware: 'sim:1.0', config, timeoutMs: TIMEOUT });
    expect(result.outcome, describeResult(result)).toBe('success');
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain('Installing file app.bin on');
    expect(readFileSync(join(dir, 'target', 'app.bin')).equals(data)).toBe(true);
  });

  it('installs with an RSA signer given by -k, several images, raw into an existing file and create-destination', async () => {
    const dir = caseDir();
    const rsa = createSigner(dir, { algorithm: 'rsa' });
    const a = randomBytes(1000);
    const b = randomBytes(2000);
    writeFileSync(join(dir, 'target', 'disk.img'), Buffer.alloc(4096, 0xee));
    const swu = buildSwu({
      dir,
      signer: rsa,
      hardware: ['0.9', '1.0'],
      version: '3.0.0',
      images: [
        { filename: 'a.bin', data: a, type: 'rawfile', path: join(dir, 'target', 'deep', 'er', 'a.bin'), createDestination: true },
        { filename: 'disk.part', data: b, type: 'raw', device: join(dir, 'target', 'disk.img') },
        { filename: 'ignored.bin', data: randomBytes(10), type: 'dummy' },
      ],
    });
    const result = await installSwu({ swu, hardware: 'sim:1.0', publicKeyFile: rsa.cert, timeoutMs: TIMEOUT });
    expect(result.outcome, describeResult(result)).toBe('success');
    expect(readFileSync(join(dir, 'target', 'deep', 'er', 'a.bin')).equals(a)).toBe(true);
    const disk = readFileSync(join(dir, 'target', 'disk.img'));
    expect(disk.subarray(0, b.length).equals(b)).toBe(true);
  });

  const refusals: Array<[string, (dir: string) => { swu: string; publicKeyFile: string; hardware?: string }, RegExp]> = [
    ['signed by a different key', (dir) => ({ swu: rawfileSwu(dir, randomBytes(100)), publicKeyFile: other.cert }), /Authentication of all signatures failed/],
    [
      'with a tampered image (sha256 mismatch)',
      (dir) => ({
        swu: rawfileSwu(dir, Buffer.from('original image'), {
          beforePack: (staging) => writeFileSync(join(staging, 'app.bin'), Buffer.from('tampered image')),
        }),
        publicKeyFile: signer.cert,
      }),
      /HASH mismatch/,
    ],
    [
      'with a tampered sw-description',
      (dir) => ({
        swu: rawfileSwu(dir, randomBytes(100), {
          beforePack: (staging) => {
            const file = join(staging, 'sw-description');
            writeFileSync(file, readFileSync(file, 'utf8').replace('1.2.3', '9.9.9'));
          },
        }),
        publicKeyFile: signer.cert,
      }),
      /signature|Authentication/i,
    ],
    [
      'without a signature',
      (dir) => ({ swu: rawfileSwu(dir, randomBytes(100), { signer: null }), publicKeyFile: signer.cert }),
      /sw-description\.sig|signature|Authentication/i,
    ],
    [
      'for another hardware revision',
      (dir) => ({ swu: rawfileSwu(dir, randomBytes(100)), publicKeyFile: signer.cert, hardware: 'sim:2.0' }),
      /SW not compatible with hardware/,
    ],
  ];

  for (const [what, make, reason] of refusals) {
    it(`refuses a .swu ${what} (exit 1, nothing installed)`, async () => {
      const dir = caseDir();
      const { swu, publicKeyFile, hardware } = make(dir);
      const result = await installSwu({ swu, hardware: hardware ?? 'sim:1.0', publicKeyFile, timeoutMs: TIMEOUT });
      expect(result.outcome, describeResult(result)).toBe('failure');
      expect(result.code).toBe(1);
      expect(result.timedOut).toBe(false);
      expect(result.output).toMatch(reason);
      expect(existsSync(join(dir, 'target', 'app.bin'))).toBe(false);
    });
  }

  it('checks the signer certificate purpose: codeSigning only with cert-purpose codeSigning', async () => {
    const dir = caseDir();
    const codeSigner = createSigner(dir, { purpose: 'codeSigning', name: 'code' });
    const swu = rawfileSwu(dir, Buffer.from('code signed'), { signer: codeSigner });
    const refused = await installSwu({ swu, hardware: 'sim:1.0', publicKeyFile: codeSigner.cert, checkOnly: true, timeoutMs: TIMEOUT });
    expect(refused.outcome, describeResult(refused)).toBe('failure');
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/Authentication of all signatures failed/);
    const config = writeLocalConfig({ dir, publicKeyFile: codeSigner.cert, certPurpose: 'codeSigning' });
    const accepted = await installSwu({ swu, hardware: 'sim:1.0', config, checkOnly: true, timeoutMs: TIMEOUT });
    expect(accepted.outcome, describeResult(accepted)).toBe('success');
  });
});

// ---------------------------------------------------------------------------------------------
// Suricatta against a scripted stub: proves writeSwupdateConfig/startSuricatta/stop and records
// the requests SWUpdate makes. This is not Osprey's server, only enough DDI to drive one cycle.

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  accept: string | undefined;
  body: string;
}

interface Stub {
  server: Server;
  url: string;
  seen: Seen[];
  feedback: Array<{ id: unknown; status: { execution: string; result: { finished: string }; details: string[] } }>;
  close(): Promise<void>;
}

async function startStub(options: { tenant: string; id: string; swu?: Buffer; closeOnFeedback?: boolean }): Promise<Stub> {
  const seen: Seen[] = [];
  const feedback: Stub['feedback'] = [];
  let attributesSent = false;
  let actionClosed = false;
  const swu = options.swu;
  const hash = (alg: string) => (swu ? createHash(alg).update(swu).digest('hex') : '');
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((res) => {
      let body = '';
      req
        .setEncoding('utf8')
        .on('data', (d: string) => (body += d))
        .on('end', () => res(body));
    });
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, accept: req.headers.accept, body });
    const { port } = server.address() as AddressInfo;
    const base = `/${options.tenant}/controller/v1/${options.id}`;
    const abs = (p: string) => `http://127.0.0.1:${port}${base}${p}`;
    const path = (req.url ?? '').split('?')[0];
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && path === base) {
      const links: Record<string, { href: string }> = {};
      if (!attributesSent) links.configData = { href: abs('/configData') };
      if (swu && !actionClosed) links.deploymentBase = { href: abs('/deploymentBase/7?c=-2129030598') };
      res.end(JSON.stringify({ config: { polling: { sleep: '00:00:01' } }, _links: links }));
    } else if (req.method === 'PUT' && path === `${base}/configData`) {
      attributesSent = true;
      res.end();
    } else if (req.method === 'GET' && path === `${base}/deploymentBase/7` && swu) {
      res.end(
        JSON.stringify({
          id: '7',
          deployment: {
            download: 'forced',
            update: 'forced',
            chunks: [
              {
                part: 'os',
                version: '1.2.3',
                name: 'app',
                artifacts: [
                  {
                    filename: 'app-1.2.3.swu',
                    hashes: { sha1: hash('sha1'), md5: hash('md5'), sha256: hash('sha256') },
                    size: swu.length,
                    _links: { 'download-http': { href: abs('/softwaremodules/1/artifacts/app-1.2.3.swu') } },
                  },
                ],
              },
            ],
          },
        }),
      );
    } else if (path === `${base}/softwaremodules/1/artifacts/app-1.2.3.swu` && swu) {
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('content-length', swu.length);
      res.end(req.method === 'HEAD' ? undefined : swu);
    } else if (req.method === 'POST' && path === `${base}/deploymentBase/7/feedback`) {
      const parsed = JSON.parse(body) as Stub['feedback'][number];
      feedback.push(parsed);
      if (parsed.status.execution === 'closed') actionClosed = true;
      res.end();
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    seen,
    feedback,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.runIf(hasSwupdate())('SWUpdate suricatta (hawkBit mode) driven by the harness', () => {
  it('polls with a gateway token, sends attributes once, and is stopped by until() leaving no process', async () => {
    const dir = caseDir();
    const signer = createSigner(dir);
    const stub = await startStub({ tenant: 'DEFAULT', id: 'gw-dev' });
    try {
      const config = writeSwupdateConfig({
        dir,
        url: stub.url,
        tenant: 'DEFAULT',
        controllerId: 'gw-dev',
        gatewayToken: 'gw-secret',
        publicKeyFile: signer.cert,
        pollDelay: 1,
      });
      const text = readFileSync(config, 'utf8');
      expect(text).toContain('gatewaytoken = "gw-secret";');
      expect(text).toContain('bootloader = "none";');
      expect(text).toContain(`public-key-file = "${signer.cert}";`);
      const run = startSuricatta({
        config,
        hardware: 'sim:1.0',
        timeoutMs: TIMEOUT,
        until: () => stub.seen.filter((s) => s.method === 'GET').length >= 2,
      });
      const result = await run.done;
      expect(result.stopped, describeResult(result)).toBe(true);
      expect(result.timedOut).toBe(false);
      expect(aliveInGroup(run.pid)).toEqual([]);
      expect(stub.seen[0]).toMatchObject({
        method: 'GET',
        url: '/DEFAULT/controller/v1/gw-dev',
        authorization: 'GatewayToken gw-secret',
        accept: 'application/json',
      });
      const put = stub.seen.filter((s) => s.method === 'PUT');
      expect(put).toHaveLength(1);
      expect(JSON.parse(put[0]!.body)).toMatchObject({ data: { board: 'sim', hw_rev: '1.0' }, status: { execution: 'closed' } });
    } finally {
      await stub.close();
    }
  });

  it('is killed on timeout when the server is unreachable (it never exits by itself)', async () => {
    const dir = caseDir();
    const signer = createSigner(dir);
    const stub = await startStub({ tenant: 'DEFAULT', id: 'x' });
    const url = stub.url;
    await stub.close(); // nothing listens on this port any more
    const config = writeSwupdateConfig({ dir, url, tenant: 'DEFAULT', controllerId: 'x', targetToken: 't', publicKeyFile: signer.cert });
    const started = Date.now();
    const run = startSuricatta({ config, hardware: 'sim:1.0', timeoutMs: 2500 });
    const result = await run.done;
    expect(result.timedOut, describeResult(result)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toMatch(/Couldn't connect to server/);
    expect(aliveInGroup(run.pid)).toEqual([]);
  });

  it('installs a deployment with a target token, then closes it as success when restarted with -c 2', async () => {
    const dir = caseDir();
    const signer = createSigner(dir);
    const data = randomBytes(50_000);
    const swu = buildSwu({
      dir,
      signer,
      hardware: ['1.0'],
      version: '1.2.3',
      name: 'app',
      images: [{ filename: 'app.bin', data, type: 'rawfile', path: join(dir, 'target', 'app.bin') }],
    });
    const stub = await startStub({ tenant: 'DEFAULT', id: 'dev01', swu: readFileSync(swu) });
    try {
      const config = writeSwupdateConfig({
        dir,
        url: stub.url,
        tenant: 'DEFAULT',
        controllerId: 'dev01',
        targetToken: 'tt-secret',
        publicKeyFile: signer.cert,
      });
      const installed: SwupdateResult = await startSuricatta({
        config,
        hardware: 'sim:1.0',
        timeoutMs: TIMEOUT,
        until: () => stub.feedback.some((f) => f.status.details.includes('All Chunks Installed.')),
      }).done;
      expect(installed.stopped, describeResult(installed)).toBe(true);
      expect(readFileSync(join(dir, 'target', 'app.bin')).equals(data)).toBe(true);
      expect(stub.seen.every((s) => s.authorization === 'TargetToken tt-secret')).toBe(true);
      const download = stub.seen.filter((s) => s.url.includes('/artifacts/'));
      expect(download.map((s) => s.method)).toEqual(['HEAD', 'GET']);
      expect(download[1]!.accept).toBe('application/octet-stream');
      expect(stub.feedback.length).toBeGreaterThan(0);
      expect(stub.feedback.every((f) => f.id === 7 && f.status.execution === 'proceeding')).toBe(true);

      const confirmed = await startSuricatta({
        config,
        hardware: 'sim:1.0',
        extraSuricattaArgs: '-c 2',
        timeoutMs: TIMEOUT,
        until: () => stub.feedback.some((f) => f.status.execution === 'closed'),
      }).done;
      expect(confirmed.stopped, describeResult(confirmed)).toBe(true);
      expect(stub.feedback.at(-1)).toMatchObject({ id: 7, status: { execution: 'closed', result: { finished: 'success' } } });
    } finally {
      await stub.close();
    }
  });

  it('closes the action as failure by itself when the downloaded .swu is tampered', async () => {
    const dir = caseDir();
    const signer = createSigner(dir);
    const swu = buildSwu({
      dir,
      signer,
      hardware: ['1.0'],
      version: '1.2.3',
      images: [{ filename: 'app.bin', data: Buffer.from('good'), type: 'rawfile', path: join(dir, 'target', 'app.bin') }],
      beforePack: (staging) => writeFileSync(join(staging, 'app.bin'), Buffer.from('evil')),
    });
    const stub = await startStub({ tenant: 'DEFAULT', id: 'dev02', swu: readFileSync(swu) });
    try {
      const config = writeSwupdateConfig({ dir, url: stub.url, tenant: 'DEFAULT', controllerId: 'dev02', targetToken: 't', publicKeyFile: signer.cert });
      const result = await startSuricatta({
        config,
        hardware: 'sim:1.0',
        timeoutMs: TIMEOUT,
        until: () => stub.feedback.some((f) => f.status.execution === 'closed'),
      }).done;
      expect(result.stopped, describeResult(result)).toBe(true);
      const closed = stub.feedback.at(-1)!;
      expect(closed.status.result.finished).toBe('failure');
      // The reason is spread over the last feedbacks; the closing one does not always repeat it.
      expect(stub.feedback.flatMap((f) => f.status.details).join('\n')).toMatch(/HASH mismatch/);
      expect(existsSync(join(dir, 'target', 'app.bin'))).toBe(false);
    } finally {
      await stub.close();
    }
  });
});

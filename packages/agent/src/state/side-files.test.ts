/**
 * The side-state records (action.json, installed.json, stream.json, staged.json): typed round
 * trips, absence, and a typed RECORD_CORRUPTED for every way a file can be unusable; the agent
 * counts a corrupt record as absent (each is only a hint) and says so in its log.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { Agent } from '../agent.js';
import { FileSecurityVersionStore } from '../bootloader/security-version.js';
import { SimulatedBootloader } from '../bootloader/simulated.js';
import { DdiClient } from '../ddi/client.js';
import { isAgentError } from '../errors.js';
import { AbSlots } from '../slots/ab.js';
import { FileSlot } from '../slots/image-slot.js';
import {
  actionRecord,
  installedRecord,
  stagedRecord,
  streamRecord,
  type BundleAction,
  type DdiAction,
  type InstalledRelease,
  type SideFile,
  type SideFileCorruptionReason,
} from './side-files.js';
import { StateStore } from './store.js';

const SHA = 'ab'.repeat(32);
const DDI_ACTION: DdiAction = {
  kind: 'ddi',
  actionId: 7,
  targetPath: 'gw-os-2.0.0.age',
  tufMetadataUrl: 'http://server/DEFAULT/tuf/metadata',
  tufTargetsUrl: 'http://server/DEFAULT/tuf/targets',
  downloadUrl: 'http://server/DEFAULT/controller/v1/dev/softwaremodules/1/artifacts/gw.img',
  header: Buffer.from('age header').toString('base64'),
  length: 1234,
  sha256: SHA,
};
const BUNDLE_ACTION: BundleAction = {
  kind: 'bundle',
  actionId: 'bundle-1767225600000',
  bundle: '/media/usb/gw-os-2.0.0.bundle',
  payloadFile: '/var/lib/osprey/work/bundle/gw-os-2.0.0.age',
  targetPath: 'gw-os-2.0.0.age',
  custom: {
    name: 'gw-os',
    version: '2.0.0',
    securityVersion: 3,
    hardware: ['board-a'],
    installType: 'image',
    plaintext: { length: 1000, sha256: SHA },
    encryption: { format: 'age-v1', chunkSize: 65536 },
  },
  header: null,
  length: 1234,
  sha256: SHA,
};
const INSTALLED: InstalledRelease = {
  name: 'gw-os',
  version: '2.0.0',
  securityVersion: 3,
  sha256: SHA,
  length: 1000,
  slot: 'b',
  actionId: '7',
  committedAt: '2026-03-01T12:00:00.000Z',
};

let dir: string;
tempDirEachTest('osprey-side-files-', (d) => (dir = d));

function corruption(record: SideFile<unknown>): SideFileCorruptionReason | 'none' {
  try {
    record.read(dir);
    return 'none';
  } catch (e) {
    if (!isAgentError(e, 'RECORD_CORRUPTED')) throw e;
    expect(e.details.path).toBe(record.path(dir));
    return e.details.reason as SideFileCorruptionReason;
  }
}

describe('side-state records', () => {
  const cases: [SideFile<unknown>, unknown][] = [
    [actionRecord, DDI_ACTION],
    [actionRecord, BUNDLE_ACTION],
    [installedRecord, INSTALLED],
    [streamRecord, { actionId: 7, slot: 'b', payloadSha256: SHA, offset: 16 << 20, nonce: 'cd'.repeat(16), head: 'aGVhZA==' }],
    [stagedRecord, { actionId: 7, slot: 'b', length: 1000, sha256: SHA }],
  ];
  for (const [record, value] of cases) {
    it(`${record.name}: written atomically (0600), read back typed, cleared`, () => {
      expect(record.read(dir)).toBeUndefined();
      record.write(dir, value);
      expect(record.read(dir)).toEqual(value);
      expect(statSync(record.path(dir)).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual([record.name]);
      record.clear(dir);
      expect(record.read(dir)).toBeUndefined();
      expect(() => record.clear(dir)).not.toThrow();
    });
  }

  it('the files are where earlier agents kept them', () => {
    expect([actionRecord, installedRecord, streamRecord, stagedRecord].map((r) => r.path(dir))).toEqual(
      ['action.json', 'installed.json', 'stream.json', 'staged.json'].map((n) => join(dir, n)),
    );
  });

  it('reads an action recorded by an earlier agent (no kind: a DDI action)', () => {
    const { kind: _kind, ...older } = DDI_ACTION;
    writeFileSync(actionRecord.path(dir), JSON.stringify(older, null, 2));
    expect(actionRecord.read(dir)).toEqual(older);
  });

  it('a file that is half-written, of another shape or unreadable is RECORD_CORRUPTED with the reason', () => {
    writeFileSync(installedRecord.path(dir), JSON.stringify(INSTALLED).slice(0, 40));
    expect(corruption(installedRecord)).toBe('json');
    writeFileSync(installedRecord.path(dir), JSON.stringify({ ...INSTALLED, slot: 'c' }));
    expect(corruption(installedRecord)).toBe('schema');
    writeFileSync(stagedRecord.path(dir), JSON.stringify({ actionId: 7, slot: 'b', length: -1, sha256: SHA }));
    expect(corruption(stagedRecord)).toBe('schema');
    writeFileSync(actionRecord.path(dir), JSON.stringify({ ...DDI_ACTION, sha256: 'not a hash' }));
    expect(corruption(actionRecord)).toBe('schema');
    // A directory where the file should be: readFileSync fails with EISDIR, whoever runs the test.
    mkdirSync(streamRecord.path(dir));
    expect(corruption(streamRecord)).toBe('unreadable');
  });

  it('refuses to write a value that does not match its schema, and leaves the old record', () => {
    stagedRecord.write(dir, { actionId: 7, slot: 'b', length: 1000, sha256: SHA });
    expect(() => stagedRecord.write(dir, { actionId: 8, slot: 'b', length: 1000, sha256: 'short' })).toThrow();
    expect(stagedRecord.read(dir)).toMatchObject({ actionId: 7 });
  });
});

describe('the agent and a corrupt record', () => {
  it('counts it as absent and logs a warning, instead of failing', async () => {
    const key = randomBytes(32);
    FileSecurityVersionStore.provision(join(dir, 'secver'), key, 0);
    const bootloader = new SimulatedBootloader(join(dir, 'bootenv'));
    const warnings: string[] = [];
    const agent = new Agent({
      // Never contacted: status() and installed() are local.
      ddi: new DdiClient({ server: 'http://127.0.0.1:9', tenant: 'DEFAULT', controllerId: 'dev', targetToken: 'token' }),
      slots: new AbSlots({ a: new FileSlot('a', join(dir, 'a.img')), b: new FileSlot('b', join(dir, 'b.img')) }, bootloader),
      bootloader,
      store: new StateStore(join(dir, 'state.json')),
      securityVersion: new FileSecurityVersionStore(join(dir, 'secver'), key),
      metadataDir: join(dir, 'tuf'),
      workDir: join(dir, 'work'),
      hardware: 'board-a',
      logger: { info() {}, warn: (message) => warnings.push(message), error() {} },
    });
    installedRecord.write(join(dir, 'work'), INSTALLED);
    expect(agent.installed()).toEqual(INSTALLED);
    writeFileSync(agent.installedFile, '{"name": "gw-os", "vers');
    expect(agent.installed()).toBeNull();
    expect((await agent.status()).installed).toBeNull();
    expect(warnings).toContain('ignoring a corrupt installed.json');
  });
});

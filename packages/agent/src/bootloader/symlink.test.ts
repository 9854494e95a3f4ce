import { readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { SymlinkBootloader } from './symlink.js';

const dir = tempDirForFile('osprey-symlink-bl-');

describe('SymlinkBootloader: application A/B behind a link', () => {
  let n = 0;
  const open = () => {
    const base = join(dir, `app-${++n}`);
    const options = { link: `${base}-current`, targets: { a: `${base}-a`, b: `${base}-b` } };
    return { options, bl: new SymlinkBootloader(options) };
  };

  it('the link follows the booted slot: try once, commit, and fall back after an unconfirmed try', async () => {
    const { options, bl } = open();
    await bl.reconcile();
    expect(readlinkSync(options.link)).toBe(options.targets.a);
    await bl.setTryOnce('b');
    expect(readlinkSync(options.link)).toBe(options.targets.a); // nothing switches before the "boot"
    expect((await bl.boot()).kind).toBe('try');
    expect(readlinkSync(options.link)).toBe(options.targets.b);
    expect(await bl.status()).toMatchObject({ active: 'a', booted: 'b', trial: true });
    await bl.markGood();
    expect(await bl.status()).toMatchObject({ active: 'b', booted: 'b', trial: false });
    // The next update fails its health check without confirming: the following boot falls back.
    await bl.setTryOnce('a');
    await bl.boot();
    expect(readlinkSync(options.link)).toBe(options.targets.a);
    expect((await bl.boot()).kind).toBe('fallback');
    expect(readlinkSync(options.link)).toBe(options.targets.b);
    expect(await bl.status()).toMatchObject({ active: 'b', booted: 'b', pendingTry: null });
  });

  it('reconcile() repairs a link left behind by a power cut between the state write and the link', async () => {
    const { options, bl } = open();
    await bl.reconcile();
    await bl.setTryOnce('b');
    await bl.boot();
    rmSync(options.link);
    symlinkSync(options.targets.a, options.link); // as if the rename had not happened
    await new SymlinkBootloader(options).reconcile();
    expect(readlinkSync(options.link)).toBe(options.targets.b);
  });
});

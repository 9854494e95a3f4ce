import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOFTHSM2_MODULE } from './tools.js';

export interface SoftHsmToken {
  dir: string;
  conf: string;
  module: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
}

/**
 * A fresh SoftHSM2 token in a temporary directory. SoftHSM reads SOFTHSM2_CONF once, at
 * C_Initialize, so a test file creates its tokens before opening any of them.
 */
export function createSoftHsmToken(tokenLabel = 'osprey-test', pin = '1234'): SoftHsmToken {
  const dir = process.env.SOFTHSM2_CONF ? join(process.env.SOFTHSM2_CONF, '..') : mkdtempSync(join(tmpdir(), 'osprey-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  const soPin = '12345678';
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--so-pin', soPin, '--pin', pin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'pipe',
  });
  return { dir, conf, module: SOFTHSM2_MODULE, tokenLabel, pin, soPin };
}

/**
 * `npm start` for now: the whole Sign & Encrypt life cycle on this machine, narrated. It creates
 * ./demo/ with a vendor repository (3 root keys, threshold 2), releases an image for two devices
 * (one X25519 software key, one P-256 key as a secure element would hold), verifies it as each
 * device does (tuf-js), decrypts it, and shows a downgrade being refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isOspreyError, P256TagIdentity, SoftwareP256KeyAgreement, X25519Identity } from '@osprey/core';
import { readEnvironment } from './config.js';
import { describeError } from './errors.js';
import { keysInit } from './keys.js';
import { releaseDecrypt, releasePack, releaseRewrap, releaseVerify } from './release.js';

const say = (line = '') => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const base = resolve(process.argv[2] ?? 'demo');
  const env = { ...readEnvironment(), passphrase: process.env.OSPREY_PASSPHRASE ?? 'osprey-demo-passphrase' };
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const vendor = join(base, 'vendor');
  const now = new Date();

  say(`Osprey demo in ${base}`);
  say('1. Key ceremony: 3 root keys (any 2 sign), one key each for targets, snapshot and timestamp.');
  const init = await keysInit({ dir: vendor, rootKeys: 3, rootThreshold: 2, keyType: 'ed25519', tokenRoles: [], now }, env);
  say(`   root key IDs: ${init.rootKeyIds.map((k) => k.slice(0, 12)).join(', ')}`);

  const deviceA = X25519Identity.generate();
  const deviceB = new P256TagIdentity(SoftwareP256KeyAgreement.generate());
  say('2. Two devices: A has an X25519 key, B a P-256 key (the kind a secure element holds).');
  say(`   A: ${deviceA.recipient.toString()}`);
  say(`   B: ${deviceB.recipient.toString()}`);

  const image = join(base, 'gateway-os-2.0.0.img');
  writeFileSync(image, randomBytes(5 * 1024 * 1024));
  say('3. Release gateway-os 2.0.0 (security version 4) for board-a: encrypt once, sign into TUF.');
  const packed = await releasePack(
    {
      dir: vendor,
      file: image,
      name: 'gateway-os',
      version: '2.0.0',
      securityVersion: 4,
      hardware: ['board-a'],
      installType: 'image',
      recipients: [],
      encrypt: true,
      now,
    },
    env,
  );
  say(
    `   target ${packed.path}: ${packed.length} bytes, sha256 ${packed.sha256.slice(0, 16)}…; plaintext sha256 ${packed.custom.plaintext.sha256.slice(0, 16)}…`,
  );

  say('4. Per-device headers over the one shared payload (the payload is not touched).');
  await releaseRewrap({ dir: vendor, target: packed.path, recipients: [deviceA.recipient], out: join(base, 'device-a.header') }, env);
  await releaseRewrap({ dir: vendor, target: packed.path, recipients: [deviceB.recipient], out: join(base, 'device-b.header') }, env);

  const root = join(vendor, 'public', 'metadata', '1.root.json');
  for (const [name, identity] of [
    ['A', deviceA],
    ['B', deviceB],
  ] as const) {
    const out = join(base, `device-${name.toLowerCase()}.img`);
    const r = await releaseDecrypt({
      identities: [identity],
      header: join(base, `device-${name.toLowerCase()}.header`),
      source: vendor,
      root,
      target: packed.path,
      hardware: 'board-a',
      securityVersion: 3,
      out,
      interactive: env.interactive,
    });
    const same = readFileSync(out).equals(readFileSync(image));
    say(`5${name}. Device ${name}: TUF verified, decrypted ${r.length} bytes, final hash ${same ? 'matches' : 'DIFFERS'}.`);
  }

  try {
    await releaseDecrypt({
      identities: [deviceA],
      header: join(base, 'device-b.header'),
      source: vendor,
      root,
      target: packed.path,
      out: join(base, 'wrong.img'),
      interactive: false,
    });
    say("6. ERROR: device A opened device B's header");
    process.exitCode = 1;
  } catch (e) {
    say(`6. Device A cannot use device B's header: ${isOspreyError(e) ? e.code : String(e)}.`);
  }
  try {
    await releaseVerify({ source: vendor, root, target: packed.path, hardware: 'board-a', securityVersion: 5 });
    say('7. ERROR: a downgrade was accepted');
    process.exitCode = 1;
  } catch (e) {
    say(`7. A device already at security version 5 refuses it: ${isOspreyError(e) ? e.code : String(e)}.`);
  }
  say();
  say('Next: the same steps with the CLI —');
  say(`  export OSPREY_PASSPHRASE=${env.passphrase === 'osprey-demo-passphrase' ? 'osprey-demo-passphrase' : '…'}`);
  say(`  npx osprey release verify --repo ${vendor} --root ${root} --target ${packed.path}`);
  say('  npx osprey --help');
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${describeError(e).line}\n`);
  process.exitCode = 1;
});

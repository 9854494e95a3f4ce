#!/usr/bin/env node
/**
 * `osprey`: the offline side of Osprey — key ceremonies and release preparation.
 * Exit codes: 0 success, 1 verification or decryption refused, 2 bad input (fix the command).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { P256TagIdentity, TOP_LEVEL_ROLES, X25519Identity, type TopLevelRole } from '@osprey/core';
import { auditVerify, parseExpectHead } from './audit.js';
import { bundleCreate } from './bundle.js';
import { readEnvironment, type CliEnvironment } from './config.js';
import { describeError, EXIT_USAGE, UsageError } from './errors.js';
import { loadIdentityFile, loadRecipients } from './identities.js';
import { keysInit, keysRotate } from './keys.js';
import { KeyLoader, readKeyring } from './keyring.js';
import { releaseSign, tufImportRoot } from './offline.js';
import { releaseDecrypt, releasePack, releaseRewrap, releaseVerify } from './release.js';
import { completionScript } from './completion.js';
import { registerFleetCommands } from './fleet.js';
import { configDir, defaultTokenName, loadProfile, ManagementClient, saveProfile, type Profile } from './remote.js';

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function roles(value: string): TopLevelRole[] {
  const list = value.split(',').map((v) => v.trim());
  for (const r of list)
    if (!(TOP_LEVEL_ROLES as readonly string[]).includes(r)) throw new InvalidArgumentError(`unknown role "${r}" (${TOP_LEVEL_ROLES.join(', ')})`);
  return list as TopLevelRole[];
}

function print(json: unknown): void {
  process.stdout.write(JSON.stringify(json, null, 2) + '\n');
}

/** A line for the person at the terminal (stdout carries the JSON result). */
function note(line: string): void {
  process.stderr.write(line + '\n');
}

/** The terminal and the clock, injected so tests drive `rollout watch` without waiting. */
export interface CliIo {
  tty: boolean;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

const defaultIo = (): CliIo => ({
  tty: Boolean(process.stdout.isTTY),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => new Date(),
});

function packageVersion(): string {
  // ../package.json from both src/ (tests, tsx) and dist/ (installed).
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(baseEnv: CliEnvironment = readEnvironment(), io: CliIo = defaultIo()): Command {
  const program = new Command('osprey')
    .description('Osprey: sign and encrypt software updates')
    // Not commander's .version(): its program-wide --version would swallow `module create --version`.
    .addHelpText('after', '\nosprey --version prints the version.')
    .option('--passphrase-file <file>', 'file holding the key passphrase (else OSPREY_PASSPHRASE)');
  const env = (): CliEnvironment => {
    const file = program.opts<{ passphraseFile?: string }>().passphraseFile;
    if (!file) return baseEnv;
    let passphrase: string;
    try {
      passphrase = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new UsageError(`cannot read passphrase file ${file}`);
    }
    return { ...baseEnv, passphrase };
  };

  const keys = program.command('keys').description('key ceremonies');
  keys
    .command('init')
    .description('create a TUF repository with N root keys (threshold M) and online role keys')
    .requiredOption('--dir <dir>', 'repository directory to create')
    .option('--root-keys <n>', 'number of root keys', integer(1, 64), 3)
    .option('--threshold <m>', 'root signatures required', integer(1, 64), 2)
    .addOption(new Option('--key-type <type>', 'signature algorithm').choices(['ed25519', 'ecdsa']).default('ed25519'))
    .option('--token-roles <roles>', 'roles whose keys are generated in the PKCS#11 token (e.g. targets,snapshot,timestamp)', roles, [])
    .action(async (o) => {
      const result = await keysInit(
        { dir: o.dir, rootKeys: o.rootKeys, rootThreshold: o.threshold, keyType: o.keyType, tokenRoles: o.tokenRoles, now: new Date() },
        env(),
      );
      print({ dir: o.dir, rootKeyIds: result.rootKeyIds, threshold: o.threshold, escrowRecipient: result.keyring.escrow.recipient });
      process.stderr.write(`Repository created. Move ${o.dir}/keys/root-*.pem to offline storage; signing needs ${o.threshold} of them.\n`);
    });
  keys
    .command('rotate')
    .description("replace a role's keys; the new root is signed by the old and the new root keys")
    .requiredOption('--dir <dir>', 'repository directory')
    .addOption(new Option('--role <role>', 'role to rotate').choices([...TOP_LEVEL_ROLES]).makeOptionMandatory())
    .option('--keys <n>', 'number of new keys', integer(1, 64), 1)
    .option('--threshold <m>', 'signatures required', integer(1, 64), 1)
    .addOption(new Option('--key-type <type>', 'signature algorithm').choices(['ed25519', 'ecdsa']).default('ed25519'))
    .option('--in-token', 'generate the new keys in the PKCS#11 token', false)
    .action(async (o) => {
      const r = await keysRotate(
        { dir: o.dir, role: o.role, count: o.keys, threshold: o.threshold, keyType: o.keyType, inToken: o.inToken, now: new Date() },
        env(),
      );
      print({ role: o.role, rootVersion: r.rootVersion });
    });

  const release = program.command('release').description('prepare, verify and decrypt releases');
  release
    .command('pack')
    .description('file → signed and encrypted release (age payload + TUF target metadata)')
    .argument('<file>', 'the image or file to release')
    .requiredOption('--dir <dir>', 'repository directory')
    .requiredOption('--name <name>', 'software name')
    .requiredOption('--version <version>', 'software version')
    .requiredOption('--security-version <n>', 'anti-rollback security version', integer(0, 0xffffffff))
    .requiredOption('--hardware <ids>', 'compatible hardware ids (repeat or comma-separate)', collect, [])
    .addOption(new Option('--install-type <type>', 'how the agent installs it').choices(['image', 'file', 'archive', 'external']).default('image'))
    .option('--recipient <age1…>', 'also wrap the file key for this recipient (repeatable)', collect, [])
    .option('--recipients-file <file>', 'recipients, one per line (repeatable)', collect, [])
    .option('--no-encrypt', 'publish the image unencrypted (signed only)')
    .option('--out <file>', 'also write a complete age file for the recipients')
    .action(async (file: string, o) => {
      const result = await releasePack(
        {
          dir: o.dir,
          file,
          name: o.name,
          version: o.version,
          securityVersion: o.securityVersion,
          hardware: o.hardware,
          installType: o.installType,
          recipients: loadRecipients(o.recipient, o.recipientsFile),
          encrypt: o.encrypt,
          out: o.out,
          now: new Date(),
        },
        env(),
      );
      print(result);
    });
  release
    .command('rewrap')
    .description('write a header for new recipients over an existing payload (the payload is unchanged)')
    .requiredOption('--dir <dir>', 'repository directory')
    .requiredOption('--target <path>', 'release target path')
    .option('--recipient <age1…>', 'recipient (repeatable)', collect, [])
    .option('--recipients-file <file>', 'recipients, one per line', collect, [])
    .requiredOption('--out <file>', 'header file to write')
    .action(async (o) => {
      await releaseRewrap({ dir: o.dir, target: o.target, recipients: loadRecipients(o.recipient, o.recipientsFile), out: o.out }, env());
      print({ header: o.out });
    });
  release
    .command('verify')
    .description('verify a release as a device does (tuf-js client workflow), and its admission rules')
    .requiredOption('--repo <dir|url>', 'repository directory or http(s) base URL')
    .requiredOption('--root <file>', 'trusted root metadata (as provisioned on the device)')
    .requiredOption('--target <path>', 'release target path')
    .option('--hardware <id>', 'device hardware id to check')
    .option('--security-version <n>', 'device security version to check against', integer(0, 0xffffffff))
    .action(async (o) => {
      print(await releaseVerify({ source: o.repo, root: o.root, target: o.target, hardware: o.hardware, securityVersion: o.securityVersion }));
    });
  release
    .command('decrypt')
    .description('decrypt a release; with --repo, verify it and its final hash first')
    .option('--identity <file>', 'age identity file or PEM private key (repeatable)', collect, [])
    .option('--pkcs11-key <label>', 'P-256 key in the PKCS#11 token (OSPREY_PKCS11_*)')
    .option('--in <file>', 'a complete age file')
    .option('--header <file>', 'device header')
    .option('--payload <file>', 'shared payload')
    .option('--repo <dir|url>', 'verify through this repository first')
    .option('--root <file>', 'trusted root metadata')
    .option('--target <path>', 'release target path')
    .option('--hardware <id>', 'device hardware id')
    .option('--security-version <n>', 'device security version', integer(0, 0xffffffff))
    .requiredOption('--out <file>', 'plaintext output (written only after full verification)')
    .action(async (o) => {
      const e = env();
      const identities = o.identity.flatMap((f: string) => loadIdentityFile(f, e.passphrase));
      const loader = new KeyLoader('.', e);
      try {
        if (o.pkcs11Key) identities.push(new P256TagIdentity(loader.openToken().keyAgreement(o.pkcs11Key)));
        if (identities.length === 0) throw new UsageError('give --identity FILE or --pkcs11-key LABEL');
        const r = await releaseDecrypt({
          identities,
          out: o.out,
          input: o.in,
          header: o.header,
          payload: o.payload,
          source: o.repo,
          root: o.root,
          target: o.target,
          hardware: o.hardware,
          securityVersion: o.securityVersion,
          interactive: e.interactive,
        });
        print({ out: o.out, length: r.length, sha256: r.sha256, verified: r.custom !== undefined });
      } finally {
        loader.close();
      }
    });
  const bundle = program.command('bundle').description('offline update bundles, installed with "osprey-agent install FILE"');
  bundle
    .command('create')
    .description("one device's bundle: the TUF metadata chain, its age header and the payload, for installs without a network")
    .requiredOption('--target <path>', 'release target path')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--dir <dir>', 'repository directory (keys init): its metadata and payload (unless --server or --metadata-dir), its escrow key for --recipient')
    .option('--metadata-dir <dir>', "a copy of a repository's metadata files (with --payload)")
    .option('--server <url>', "a server's TUF repository (with --tenant)")
    .option('--tenant <name>', "tenant on --server (with --profile: default the API token's tenant)")
    .option('--profile <name>', 'a saved server profile instead of --server')
    .option('--payload <file>', "the target's bytes (default: from the repository)")
    .option('--header <file>', "the device's age header (e.g. from release rewrap)")
    .option('--controller-id <id>', "with --profile: the server wraps the header for this target's registered key")
    .option('--recipient <age1…>', "wrap a header for the device's key (with --dir; repeatable)", collect, [])
    .option('--recipients-file <file>', 'recipients, one per line', collect, [])
    .action(async (o) => {
      let server: { url: string; tenant?: string; profile?: Profile } | undefined;
      if (o.server && o.profile) throw new UsageError('give --server or --profile, not both');
      if (o.server) server = { url: o.server, ...(o.tenant ? { tenant: o.tenant } : {}) };
      else if (o.profile) {
        const profile = loadProfile(configDir(), o.profile);
        server = { url: profile.url, profile, ...(o.tenant ? { tenant: o.tenant } : {}) };
      } else if (o.tenant) throw new UsageError('--tenant goes with --server or --profile');
      const r = await bundleCreate(
        {
          targetPath: o.target,
          out: o.out,
          ...(o.dir ? { dir: o.dir } : {}),
          ...(o.metadataDir ? { metadataDir: o.metadataDir } : {}),
          ...(server ? { server } : {}),
          ...(o.payload ? { payload: o.payload } : {}),
          ...(o.header ? { header: o.header } : {}),
          ...(o.controllerId ? { controllerId: o.controllerId } : {}),
          recipients: loadRecipients(o.recipient, o.recipientsFile),
          now: new Date(),
        },
        env(),
      );
      print(r);
      note(`Bundle written. A device refuses it after ${r.expires} (TUF metadata expiry): install it before then.`);
    });

  // --- talking to a server (profiles hold a URL and an API token, never a password) ----------
  const profileOption = () => new Option('--profile <name>', 'server profile').default('default');
  const client = (o: { profile: string }) => ManagementClient.fromProfile(loadProfile(configDir(), o.profile));
  program
    .command('login')
    .description('save a server profile: check the credentials and keep an API token (with --user, one is created)')
    .requiredOption('--url <url>', 'server base URL, e.g. https://updates.example.com')
    .option('--token <token>', 'an existing API token (else OSPREY_TOKEN)')
    .option('--user <user>', 'user name (TENANT\\user for another tenant); password from OSPREY_PASSWORD')
    .addOption(profileOption())
    .action(async (o) => {
      const token = o.token ?? process.env.OSPREY_TOKEN;
      let saved: string;
      if (token) {
        const c = new ManagementClient(o.url, `Bearer ${token}`);
        await c.send('GET /userinfo', c.api.GET('/rest/v1/userinfo'));
        saved = token;
      } else if (o.user) {
        const password = process.env.OSPREY_PASSWORD;
        if (!password) throw new UsageError('set OSPREY_PASSWORD for --user (the password is used once, to create an API token)');
        const basic = new ManagementClient(o.url, `Basic ${Buffer.from(`${o.user}:${password}`).toString('base64')}`);
        const info = await basic.send('GET /userinfo', basic.api.GET('/rest/v1/userinfo'));
        const created = await basic.send(
          'POST /apitokens',
          basic.api.POST('/rest/v1/apitokens', { body: { name: defaultTokenName(), roles: info.permissions } }),
        );
        saved = created.token;
      } else {
        throw new UsageError('give --token TOKEN, or --user USER with OSPREY_PASSWORD');
      }
      saveProfile(configDir(), o.profile, { url: o.url, token: saved });
      print({ profile: o.profile, url: o.url });
    });
  const modules = program.command('module').description('software modules on the server');
  modules
    .command('create')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--version <version>', 'version')
    .option('--type <key>', 'software module type', 'os')
    .option('--encrypted', 'store its artifacts encrypted (age); devices get their own header', false)
    .option('--description <text>', 'description')
    .addOption(profileOption())
    .action(async (o) => {
      const c = client(o);
      const [m] = await c.send(
        'POST /softwaremodules',
        c.api.POST('/rest/v1/softwaremodules', {
          body: [{ name: o.name, version: o.version, type: o.type, encrypted: o.encrypted, ...(o.description ? { description: o.description } : {}) }],
        }),
      );
      print(m);
    });
  program
    .command('upload')
    .description('upload an artifact into a software module (streamed, with a progress bar)')
    .argument('<file>', 'the file')
    .requiredOption('--module <id>', 'software module id', integer(1, Number.MAX_SAFE_INTEGER))
    .option('--filename <name>', 'name on the server (default: the file name)')
    .addOption(profileOption())
    .action(async (file: string, o) => {
      const { artifact } = await client(o).upload(o.module, file, { filename: o.filename, interactive: baseEnv.interactive });
      print(artifact);
    });
  const sets = program.command('ds').description('distribution sets on the server');
  sets
    .command('create')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--version <version>', 'version')
    .option('--type <key>', 'distribution set type', 'os')
    .requiredOption('--module <ids>', 'software module ids (repeat or comma-separate)', collect, [])
    .addOption(profileOption())
    .action(async (o) => {
      const ids = (o.module as string[]).map((v) => integer(1, Number.MAX_SAFE_INTEGER)(v));
      const c = client(o);
      const [d] = await c.send(
        'POST /distributionsets',
        c.api.POST('/rest/v1/distributionsets', { body: [{ name: o.name, version: o.version, type: o.type, modules: ids.map((id) => ({ id })) }] }),
      );
      print(d);
    });
  release
    .command('publish')
    .description('on the server: release a distribution set, signing its artifacts into the tenant TUF repository (or requesting approval)')
    .argument('<ds>', 'distribution set id', integer(1, Number.MAX_SAFE_INTEGER))
    .requiredOption('--security-version <n>', 'anti-rollback security version', integer(0, 0xffffffff))
    .requiredOption('--hardware <ids>', 'compatible hardware ids', collect, [])
    .addOption(new Option('--install-type <type>', 'how the agent installs it').choices(['image', 'file', 'archive', 'external']).default('image'))
    .addOption(profileOption())
    .action(async (ds: number, o) => {
      const c = client(o);
      print(
        await c.send(
          `POST /distributionsets/${ds}/release`,
          c.api.POST('/rest/v1/distributionsets/{id}/release', {
            params: { path: { id: String(ds) } },
            body: { securityVersion: o.securityVersion, hardware: o.hardware, installType: o.installType },
          }),
        ),
      );
    });
  release
    .command('sign')
    .description('submit offline-signed metadata: sign the targets metadata pending on the server with the repository targets key(s)')
    .requiredOption('--dir <dir>', 'repository directory (keys init) holding the targets key(s)')
    .addOption(profileOption())
    .action(async (o) => {
      print(await releaseSign({ dir: o.dir, profile: loadProfile(configDir(), o.profile), log: note }, env()));
    });
  const tuf = program.command('tuf').description("the server's TUF repository for this tenant");
  tuf
    .command('import-root')
    .description('adopt the root v1 of an offline ceremony (keys init) on the server, giving it the snapshot and timestamp keys only')
    .requiredOption('--dir <dir>', 'repository directory (keys init)')
    .addOption(profileOption())
    .action(async (o) => {
      print(await tufImportRoot({ dir: o.dir, profile: loadProfile(configDir(), o.profile), now: new Date(), log: note }, env()));
    });
  program
    .command('assign')
    .description('assign a distribution set to devices')
    .argument('<ds>', 'distribution set id', integer(1, Number.MAX_SAFE_INTEGER))
    .requiredOption('--target <ids>', 'controller ids (repeat or comma-separate)', collect, [])
    .addOption(new Option('--type <type>', 'action type').choices(['forced', 'soft', 'timeforced', 'downloadonly']).default('forced'))
    .addOption(profileOption())
    .action(async (ds: number, o) => {
      const c = client(o);
      print(
        await c.send(
          `POST /distributionsets/${ds}/assignedTargets`,
          c.api.POST('/rest/v1/distributionsets/{id}/assignedTargets', {
            params: { path: { id: String(ds) } },
            body: (o.target as string[]).map((id) => ({ id, type: o.type })),
          }),
        ),
      );
    });

  const audit = program.command('audit').description('check exports of the server audit log');
  audit
    .command('verify')
    .description('verify the hash chain of an audit log export (JSON Lines, one entry per line, from entry 1)')
    .argument('<file>', 'the export (GET /rest/v1/audit?format=jsonl)')
    .option('--expect-head <seq:hash>', 'a head recorded earlier: also detects a truncated or rewritten log', parseExpectHead)
    .action((file: string, o) => {
      print(auditVerify({ file, expectHead: o.expectHead }));
    });
  program
    .command('recipient')
    .description('print the age recipient of an identity file or of the repository escrow key')
    .option('--identity <file>', 'identity file')
    .option('--dir <dir>', 'repository directory (escrow recipient)')
    .action((o) => {
      if (o.dir) return print({ recipient: readKeyring(o.dir).escrow.recipient });
      if (!o.identity) throw new UsageError('give --identity FILE or --dir DIR');
      const identities = loadIdentityFile(o.identity, env().passphrase);
      print({ recipients: identities.map((i) => (i instanceof X25519Identity || i instanceof P256TagIdentity ? i.recipient.toString() : null)) });
    });
  registerFleetCommands(program, { client, profileOption, out: (text) => process.stdout.write(text), ...io });
  program
    .command('completion')
    .description('print a shell completion script: eval "$(osprey completion bash)", or zsh')
    .addArgument(new Argument('<shell>', 'shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(completionScript(program, shell));
    });
  return program;
}

export async function run(argv: string[], environment?: CliEnvironment, io?: CliIo): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const program = buildProgram(environment, io);
  // A bad flag or argument is one line, like every other mistake: `osprey: <what> (run with --help …)`.
  const oneLine = (message: string) => `osprey: ${message.trim().replace(/^error: /, '')} (run with --help for usage)\n`;
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) {
    cmd.exitOverride();
    cmd.configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (message, write) => write(oneLine(message)) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its one-line message; help and --version are successes.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const { line, exitCode } = describeError(error);
    process.stderr.write(`osprey: ${line}\n`);
    return exitCode;
  }
}

function invokedDirectly(): boolean {
  try {
    // Only when this file is node's script; bin/osprey.js (what npm links as `osprey`) calls run() itself.
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

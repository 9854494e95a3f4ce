#!/usr/bin/env node
/**
 * `osprey-agent`: the device agent's command line.
 *
 *   osprey-agent provision --config /etc/osprey/agent.json   generate the device key, print the public key
 *   osprey-agent run       --config /etc/osprey/agent.json   poll, install, report (forever)
 *   osprey-agent status    --config /etc/osprey/agent.json   state, slots, security version (JSON)
 *   osprey-agent install   --config /etc/osprey/agent.json FILE   install an update bundle offline
 *   osprey-agent simulate  --server URL --count N --gateway-token T   many simulated devices in one process
 *
 * The config file is JSON (see {@link agentConfigSchema}).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { INSTALL_TYPES, type InstallType } from '@osprey/core';
import { Pkcs11Token } from '@osprey/pkcs11';
import { Agent, commandHealthCheck, httpHealthCheck, jsonLogger, type HealthCheck } from './agent.js';
import { GrubEnvBootloader } from './bootloader/grub.js';
import {
  FileSecurityVersionStore,
  isSecurityVersionError,
  pkcs11SecurityVersionMac,
  softwareSecurityVersionMac,
  type SecurityVersionMac,
} from './bootloader/security-version.js';
import { SimulatedBootloader } from './bootloader/simulated.js';
import { SymlinkBootloader } from './bootloader/symlink.js';
import { execCommand } from './bootloader/system.js';
import type { Bootloader } from './bootloader/types.js';
import { UBootEnvBootloader } from './bootloader/uboot.js';
import { DdiClient } from './ddi/client.js';
import { Pkcs11Element } from './secure-element/pkcs11.js';
import { SoftwareKeyElement } from './secure-element/software.js';
import type { SecureElement } from './secure-element/types.js';
import { AbSlots } from './slots/ab.js';
import { CommandSlot } from './slots/command-slot.js';
import { DirectorySlot } from './slots/directory-slot.js';
import { BlockDeviceSlot, FileSlot } from './slots/image-slot.js';
import type { Slot } from './slots/types.js';
import { writeFileAtomic } from '@osprey/fs';
import { acquireAgentLock } from './state/lock.js';
import { OUTCOME_PHASES, type InstallPhase } from './state/machine.js';
import { StateStore } from './state/store.js';
import { runSimulatedFleet } from './simulator.js';
import { TrustAnchor } from './verify/anchor.js';
import { AGENT_EXIT_FAILURE, AgentError, failureDetails } from './errors.js';

export const agentConfigSchema = z
  .strictObject({
    /** Base URL of the Osprey server. */
    server: z.url(),
    tenant: z.string().min(1).default('DEFAULT'),
    controllerId: z.string().min(1),
    /** The target security token (`Authorization: TargetToken …`). */
    token: z.string().min(1).optional(),
    /**
     * mTLS (PEM files): the device's client certificate and key (the server maps the certificate to
     * the target, with no token needed), and the CA certificates to trust for the server.
     */
    tls: z
      .strictObject({
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        ca: z.string().min(1).optional(),
        servername: z.string().min(1).optional(),
      })
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'tls.cert and tls.key go together' })
      .optional(),
    /** Hardware id of this device (releases must list it). */
    hardware: z.string().min(1),
    /** TUF metadata directory; must hold the tenant's `root.json` (provisioned at the factory). */
    metadataDir: z.string().min(1),
    /** State, downloads, security version record. */
    stateDir: z.string().min(1),
    /**
     * file: image files; block: partitions; directory: archive releases unpacked into directories (with
     * the symlink bootloader, application A/B); command: an external update handler writes the slots
     * (RAUC, SWUpdate, a script: see slots/command-slot.ts for its contract), a and b are its names for them.
     */
    slots: z
      .strictObject({
        kind: z.enum(['file', 'block', 'directory', 'command']).default('file'),
        a: z.string().min(1),
        b: z.string().min(1),
        command: z.tuple([z.string().min(1)], z.string()).optional(),
      })
      .refine((slots) => (slots.kind === 'command') === (slots.command !== undefined), {
        message: 'slots.command (the handler: program and arguments) is required with kind "command", and only then',
        path: ['command'],
      }),
    bootloader: z
      .strictObject({
        kind: z.enum(['simulated', 'u-boot', 'grub', 'symlink']),
        /** simulated, symlink: the try-once state file; grub: the grubenv file. Not used by u-boot (fw_printenv/fw_setenv). */
        envPath: z.string().min(1).optional(),
        /** symlink: the link the application runs from; it points at slots.a or slots.b. */
        link: z.string().min(1).optional(),
        /** symlink: restarts the application once the link was switched (instead of rebootCommand). */
        restartCommand: z.tuple([z.string().min(1)], z.string()).optional(),
      })
      .refine((b) => (b.kind === 'symlink') === (b.link !== undefined), {
        message: 'bootloader.link is required with kind "symlink", and only then',
        path: ['link'],
      }),
    /** A streaming install records where it is every this many bytes, to continue there after a restart (0: off). */
    checkpointEveryBytes: z.int().nonnegative().optional(),
    /** Reported to the server when it asks (DDI configData), besides the agent's own `osprey.*` attributes. */
    attributes: z.record(z.string().min(1).max(128), z.string().max(128)).optional(),
    /** Command that reboots the device (ignored for the simulated and symlink bootloaders). */
    rebootCommand: z.array(z.string()).min(1).default(['systemctl', 'reboot']),
    healthCheck: z
      .strictObject({ command: z.array(z.string()).min(1).optional(), url: z.url().optional(), timeoutMs: z.int().positive().default(60_000) })
      .optional(),
    key: z.union([
      z.strictObject({ file: z.string().min(1) }),
      z.strictObject({
        pkcs11: z.strictObject({ module: z.string().min(1), tokenLabel: z.string().min(1), pin: z.string().min(1), label: z.string().min(1).optional() }),
      }),
    ]),
    requireEncryption: z.boolean().default(false),
    /** Lower bound of the poll delay (ms). */
    minPollMs: z.int().positive().default(1000),
  })
  .refine((c) => c.token !== undefined || c.tls?.cert !== undefined, {
    message: 'give the target security token (token) or a client certificate (tls.cert and tls.key)',
    path: ['token'],
  });
export type AgentConfig = z.infer<typeof agentConfigSchema>;

export function loadConfig(path: string): AgentConfig {
  const text = readFileSync(path, 'utf8');
  const parsed = agentConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new AgentError('CONFIG_INVALID', `invalid config ${path}:\n${z.prettifyError(parsed.error)}`);
  // Relative paths are relative to the config file.
  const base = dirname(resolve(path));
  const abs = (p: string) => resolve(base, p);
  const c = parsed.data;
  return {
    ...c,
    metadataDir: abs(c.metadataDir),
    stateDir: abs(c.stateDir),
    slots: { ...c.slots, a: abs(c.slots.a), b: abs(c.slots.b) },
    bootloader: {
      ...c.bootloader,
      ...(c.bootloader.envPath ? { envPath: abs(c.bootloader.envPath) } : {}),
      ...(c.bootloader.link ? { link: abs(c.bootloader.link) } : {}),
    },
    key: 'file' in c.key ? { file: abs(c.key.file) } : c.key,
    ...(c.tls
      ? {
          tls: {
            ...c.tls,
            ...(c.tls.cert ? { cert: abs(c.tls.cert) } : {}),
            ...(c.tls.key ? { key: abs(c.tls.key) } : {}),
            ...(c.tls.ca ? { ca: abs(c.tls.ca) } : {}),
          },
        }
      : {}),
  };
}

function openElement(config: AgentConfig): SecureElement {
  if ('file' in config.key) return new SoftwareKeyElement(config.key.file);
  const { label, ...token } = config.key.pkcs11;
  return new Pkcs11Element(Pkcs11Token.open(token), { ...(label ? { label } : {}), ownsToken: true });
}

function openBootloader(config: AgentConfig): Bootloader {
  const { kind, envPath } = config.bootloader;
  if (kind === 'simulated') return new SimulatedBootloader(envPath ?? join(config.stateDir, 'bootenv'));
  if (kind === 'symlink') {
    return new SymlinkBootloader({
      link: config.bootloader.link!,
      targets: { a: config.slots.a, b: config.slots.b },
      envPath: envPath ?? join(config.stateDir, 'bootenv'),
    });
  }
  if (kind === 'grub') {
    if (!envPath) throw new AgentError('CONFIG_INVALID', 'bootloader.envPath (the grubenv file) is required for grub');
    return new GrubEnvBootloader({ envFile: envPath });
  }
  return new UBootEnvBootloader();
}

/** The release install types each kind of slot can take (custom.installType). */
const INSTALL_TYPES_OF_SLOTS = {
  file: ['image', 'file'],
  block: ['image'],
  directory: ['archive'],
  command: INSTALL_TYPES,
} as const satisfies Record<AgentConfig['slots']['kind'], readonly InstallType[]>;

/** The software element's security version key (a file); a PKCS#11 element keeps it in the token. */
const secverKeyPath = (config: AgentConfig) => join(config.stateDir, 'secver.key');
const secverPath = (config: AgentConfig) => join(config.stateDir, 'security-version.json');
/** Label of the HMAC key in the token that authenticates the security version record. */
export const SECURITY_VERSION_KEY_LABEL = 'osprey-security-version';

/**
 * The secure element and the security version MAC. With PKCS#11 both use one token session (the
 * element owns it: element.close() closes it) and the MAC key stays in the token.
 */
function openElementAndMac(config: AgentConfig): { element: SecureElement; token?: Pkcs11Token; mac: () => SecurityVersionMac } {
  if ('file' in config.key) return { element: openElement(config), mac: () => softwareSecurityVersionMac(readFileSync(secverKeyPath(config))) };
  const { label, ...options } = config.key.pkcs11;
  const token = Pkcs11Token.open(options);
  const element = new Pkcs11Element(token, { ...(label ? { label } : {}), ownsToken: true });
  return { element, token, mac: () => pkcs11SecurityVersionMac(token, SECURITY_VERSION_KEY_LABEL) };
}

/** The DDI client: the target token, and/or the client certificate (mTLS). */
export function ddiClientOf(config: AgentConfig): DdiClient {
  const { tls } = config;
  const pem = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  return new DdiClient({
    server: config.server,
    tenant: config.tenant,
    controllerId: config.controllerId,
    ...(config.token ? { targetToken: config.token } : {}),
    ...(tls ? { tls: { cert: pem(tls.cert), key: pem(tls.key), ca: pem(tls.ca), ...(tls.servername ? { servername: tls.servername } : {}) } } : {}),
  });
}

/** The device's objects, as configured. */
export function openAgent(
  config: AgentConfig,
  options: { logger?: ReturnType<typeof jsonLogger> } = {},
): { agent: Agent; element: SecureElement; bootloader: Bootloader } {
  const { element, token, mac } = openElementAndMac(config);
  if (token && existsSync(secverKeyPath(config))) {
    element.close();
    throw new AgentError(
      'PROVISIONING_INCOMPLETE',
      `${secverKeyPath(config)} is a software security version key, but the counter is protected by the token's key: run osprey-agent provision to move it there`,
    );
  }
  const bootloader = openBootloader(config);
  const slotOf = (id: 'a' | 'b'): Slot => {
    const { kind, command } = config.slots;
    if (kind === 'command' && command) return new CommandSlot(id, config.slots[id], { command });
    if (kind === 'directory') return new DirectorySlot(id, config.slots[id]);
    return kind === 'block' ? new BlockDeviceSlot(id, config.slots[id]) : new FileSlot(id, config.slots[id]);
  };
  const slots = new AbSlots({ a: slotOf('a'), b: slotOf('b') }, bootloader);
  const store = new StateStore(join(config.stateDir, 'state.json'));
  let securityVersion: FileSecurityVersionStore;
  let versionMac: SecurityVersionMac;
  try {
    versionMac = mac();
    securityVersion = new FileSecurityVersionStore(secverPath(config), versionMac);
  } catch (e) {
    element.close();
    throw e;
  }
  const ddi = ddiClientOf(config);
  let healthCheck: HealthCheck | undefined;
  const hc = config.healthCheck;
  if (hc?.command) healthCheck = commandHealthCheck(hc.command[0]!, hc.command.slice(1));
  else if (hc?.url) healthCheck = httpHealthCheck(hc.url);
  const run = execCommand();
  const agent = new Agent({
    ddi,
    element,
    slots,
    bootloader,
    store,
    securityVersion,
    metadataDir: config.metadataDir,
    trustAnchor: new TrustAnchor(config.metadataDir, versionMac),
    workDir: join(config.stateDir, 'work'),
    hardware: config.hardware,
    ...(healthCheck ? { healthCheck, healthTimeoutMs: hc?.timeoutMs ?? 60_000 } : {}),
    installTypes: INSTALL_TYPES_OF_SLOTS[config.slots.kind],
    ...(config.attributes ? { attributes: config.attributes } : {}),
    ...(config.checkpointEveryBytes !== undefined ? { checkpointEveryBytes: config.checkpointEveryBytes } : {}),
    ...(bootloader instanceof SimulatedBootloader
      ? {}
      : {
          reboot: async () => {
            if (bootloader instanceof SymlinkBootloader) {
              // Application A/B: switch the link by the try-once rules, then restart the application.
              await bootloader.boot();
              const restart = config.bootloader.restartCommand;
              if (restart) await run(restart[0], restart.slice(1));
              return;
            }
            const [command, ...args] = config.rebootCommand;
            await run(command!, args);
          },
        }),
    requireEncryption: config.requireEncryption,
    minPollMs: config.minPollMs,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { agent, element, bootloader };
}

/**
 * Drives an offline install to its outcome: 0 when the release is committed, 1 when it failed or
 * was rolled back (`say` tells why); a bundle refused outright throws. With a real bootloader the
 * reboot ends this process and the agent service carries on after the boot.
 */
export async function installFromBundle(agent: Agent, bundle: string, say: (line: string) => void): Promise<number> {
  say((await agent.installBundle(bundle)).did);
  let outcome: { phase: InstallPhase; reason: string | null } | undefined;
  for (;;) {
    const result = await agent.step();
    if ((OUTCOME_PHASES as readonly string[]).includes(result.phase)) outcome = { phase: result.phase, reason: (await agent.status()).state?.reason ?? null };
    say(result.did);
    if (result.phase === 'idle') break;
  }
  const installed = agent.installed();
  if (outcome?.phase === 'committed' && installed) {
    say(`installed ${installed.name} ${installed.version} in slot ${installed.slot}`);
    return 0;
  }
  say(`not installed (${outcome?.phase ?? 'no outcome'}): ${outcome?.reason ?? 'unknown reason'}`);
  return AGENT_EXIT_FAILURE;
}

/**
 * Key, security version key and record (0) and bootloader environment: idempotent. With a PKCS#11
 * element the record's HMAC key is generated in the token; a record made earlier under the
 * software key (`secver.key`) is moved under the token key, keeping its value, and the file removed.
 */
export async function provision(config: AgentConfig): Promise<{ recipient: string; publicKeyPem: string; created: boolean }> {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(config.metadataDir, 'root.json')))
    process.stderr.write(`warning: ${config.metadataDir}/root.json is missing: install the tenant's TUF root before running\n`);
  openBootloader(config);
  const { element, token, mac } = openElementAndMac(config);
  try {
    if (token) {
      token.generateHmacKey(SECURITY_VERSION_KEY_LABEL);
      const oldKey = secverKeyPath(config);
      if (!existsSync(secverPath(config))) FileSecurityVersionStore.provision(secverPath(config), mac(), 0);
      else if (existsSync(oldKey)) {
        try {
          // Authentic under the token key already: an earlier move stopped before the unlink.
          await new FileSecurityVersionStore(secverPath(config), mac()).current();
        } catch (e) {
          if (!isSecurityVersionError(e, 'TAMPERED')) throw e;
          // Must be authentic under the old key (else TAMPERED and nothing changes).
          FileSecurityVersionStore.rekey(secverPath(config), readFileSync(oldKey), mac());
        }
      }
      rmSync(oldKey, { force: true });
    } else {
      if (!existsSync(secverKeyPath(config))) writeFileAtomic(secverKeyPath(config), randomBytes(32), { mode: 0o600 });
      if (!existsSync(secverPath(config))) FileSecurityVersionStore.provision(secverPath(config), mac(), 0);
    }
    // Seal the trust anchor (verify/anchor.ts). An existing seal is never replaced: a root that no
    // longer matches it was changed behind the agent's back.
    const anchor = new TrustAnchor(config.metadataDir, mac());
    if (existsSync(anchor.rootFile)) {
      if (!anchor.sealed()) anchor.seal();
      else anchor.check();
    }
    return await element.provision();
  } finally {
    element.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('osprey-agent').description('Osprey device agent: secure A/B updates over DDI').showHelpAfterError();
  const configOption = ['-c, --config <file>', 'agent config file (JSON)', '/etc/osprey/agent.json'] as const;

  program
    .command('provision')
    .description('generate the device key (if absent) and print its age recipient and public key PEM')
    .option(...configOption)
    .option('--register', 'also register the public key with the server (if the tenant allows self-registration)')
    .action(async (opts: { config: string; register?: boolean }) => {
      const config = loadConfig(opts.config);
      const key = await provision(config);
      process.stdout.write(`${key.created ? 'generated' : 'existing'} device key\nrecipient: ${key.recipient}\n${key.publicKeyPem}`);
      if (opts.register) {
        const ddi = ddiClientOf(config);
        const r = await ddi.registerPublicKey(key.publicKeyPem);
        process.stdout.write(`registered with the server (${r.created ? 'new' : 'unchanged'})\n`);
      }
    });

  program
    .command('run')
    .description('run the agent: poll the server, install, report')
    .option(...configOption)
    .action(async (opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const unlock = acquireAgentLock(config.stateDir);
      const { agent, element } = openAgent(config, { logger: jsonLogger({ controllerId: config.controllerId }) });
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      try {
        await agent.run(controller.signal);
      } finally {
        element.close();
        unlock();
      }
    });

  program
    .command('install')
    .description(
      'install an update bundle (made by `osprey bundle create`) from a file, without a server: verified like a network update, then written to the inactive slot, activated, health-checked, committed or rolled back',
    )
    .argument('<bundle>', 'the bundle file')
    .option(...configOption)
    .action(async (bundle: string, opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const unlock = acquireAgentLock(config.stateDir);
      const { agent, element } = openAgent(config);
      try {
        process.exitCode = await installFromBundle(agent, bundle, (line) => process.stderr.write(`osprey-agent: ${line}\n`));
      } finally {
        element.close();
        unlock();
      }
    });

  program
    .command('status')
    .description('print the install state, boot status, installed release and security version (JSON)')
    .option(...configOption)
    .action(async (opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const { agent, element } = openAgent(config);
      try {
        process.stdout.write(`${JSON.stringify(await agent.status(), null, 2)}\n`);
      } finally {
        element.close();
      }
    });

  program
    .command('simulate')
    .description('run N simulated devices (file slots, simulated bootloader, software keys) in this process, for demos and load')
    .requiredOption('--server <url>', 'base URL of the Osprey server')
    .requiredOption('--count <n>', 'number of devices', (v) => Number.parseInt(v, 10))
    .requiredOption('--gateway-token <token>', "the tenant's gateway token (targets are auto-registered)")
    .option('--tenant <tenant>', 'tenant', 'DEFAULT')
    .option('--dir <dir>', 'where the devices live (reused across runs)', 'osprey-sim')
    .option('--duration <seconds>', 'stop after this many seconds', (v) => Number.parseFloat(v), 60)
    .option('--prefix <prefix>', 'controller id prefix', 'sim-')
    .option('--hardware <id>', 'hardware id of the devices', 'board-a')
    .option('--poll <ms>', 'delay between polls of an idle device (ms)', (v) => Number.parseInt(v, 10), 1000)
    .option('--no-register', "do not register the devices' public keys (self-registration off: an operator sets them)")
    .action(
      async (opts: {
        server: string;
        count: number;
        gatewayToken: string;
        tenant: string;
        dir: string;
        duration: number;
        prefix: string;
        hardware: string;
        poll: number;
        register: boolean;
      }) => {
        if (!Number.isSafeInteger(opts.count) || opts.count < 1) throw new AgentError('USAGE_INVALID', '--count must be a positive integer');
        if (!(opts.duration > 0)) throw new AgentError('USAGE_INVALID', '--duration must be a positive number of seconds');
        const controller = new AbortController();
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
        const result = await runSimulatedFleet({
          server: opts.server,
          tenant: opts.tenant,
          count: opts.count,
          idPrefix: opts.prefix,
          gatewayToken: opts.gatewayToken,
          workDir: resolve(opts.dir),
          hardware: opts.hardware,
          pollMs: opts.poll,
          registerKeys: opts.register,
          durationMs: opts.duration * 1000,
          signal: controller.signal,
          onStep: (id, did) => {
            if (did !== 'polled') process.stderr.write(`${id}: ${did}\n`);
          },
        });
        const devices = result.devices.map((d) => ({
          controllerId: d.controllerId,
          phase: d.phase,
          installed: d.installed ? `${d.installed.name} ${d.installed.version}` : null,
          steps: d.steps,
          lastError: d.lastError,
        }));
        process.stdout.write(`${JSON.stringify({ elapsedMs: result.elapsedMs, devices }, null, 2)}\n`);
      },
    );

  return program;
}

const invoked = process.argv[1] ? resolve(process.argv[1]) : '';
if (invoked.endsWith('/cli.js') || invoked.endsWith('/cli.ts') || invoked.endsWith('/osprey-agent')) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`osprey-agent: ${failureDetails(e).join('\n  ')}\n`);
      process.exitCode = AGENT_EXIT_FAILURE;
    });
}

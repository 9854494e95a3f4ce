/**
 * The device's objects as its configuration describes them: the secure element, the security
 * version record and its MAC key, the bootloader, the slots, the DDI client, the health check —
 * assembled into an {@link Agent} (`openAgent`), or set up once at the factory (`provision`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALL_TYPES, type InstallType } from '@osprey/core';
import { writeFileAtomic } from '@osprey/fs';
import { Pkcs11Token } from '@osprey/pkcs11';
import { wakeupTopic, wakeupUsername } from '@osprey/protocol';
import { Agent } from './agent.js';
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
import type { AgentConfig } from './config.js';
import { DdiClient } from './ddi/client.js';
import { AgentError } from './errors.js';
import { commandHealthCheck, httpHealthCheck, type HealthCheck } from './health/index.js';
import { silentLogger, type AgentLogger } from './log.js';
import { Pkcs11Element } from './secure-element/pkcs11.js';
import { SoftwareKeyElement } from './secure-element/software.js';
import type { SecureElement } from './secure-element/types.js';
import { AbSlots } from './slots/ab.js';
import { CommandSlot } from './slots/command-slot.js';
import { DirectorySlot } from './slots/directory-slot.js';
import { BlockDeviceSlot, FileSlot } from './slots/image-slot.js';
import type { Slot } from './slots/types.js';
import { StateStore } from './state/store.js';
import { TrustAnchor } from './verify/anchor.js';
import { MqttWakeupSource } from './wakeup.js';

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

/** The configured health check: a command (preferred when both are given) or a URL; none means always healthy. */
function healthCheckOf(config: AgentConfig): HealthCheck | undefined {
  const hc = config.healthCheck;
  if (hc?.command) return commandHealthCheck(hc.command[0]!, hc.command.slice(1));
  if (hc?.url) return httpHealthCheck(hc.url);
  return undefined;
}

/** The DDI client: the target token, and/or the client certificate (mTLS). */
export function ddiClientOf(config: AgentConfig): DdiClient {
  const { tls } = config;
  const pem = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  return new DdiClient({
    server: config.server,
    tenant: config.tenant,
    controllerId: config.controllerId,
    storageOrigins: config.storageOrigins,
    ...(config.token ? { targetToken: config.token } : {}),
    ...(tls ? { tls: { cert: pem(tls.cert), key: pem(tls.key), ca: pem(tls.ca), ...(tls.servername ? { servername: tls.servername } : {}) } } : {}),
  });
}

/** The device's objects, as configured. */
/** The device's MQTT wake-up subscription, when configured (its username and topic default to the scheme's). */
export function wakeupSourceOf(config: AgentConfig, logger: AgentLogger = silentLogger): MqttWakeupSource | undefined {
  const mqtt = config.mqtt;
  if (!mqtt) return undefined;
  return new MqttWakeupSource(
    {
      url: mqtt.url,
      username: mqtt.username ?? wakeupUsername(config.tenant, config.controllerId),
      ...(mqtt.password === undefined ? {} : { password: mqtt.password }),
      topic: mqtt.topic ?? wakeupTopic(config.tenant, config.controllerId),
      ...(mqtt.ca === undefined ? {} : { ca: readFileSync(mqtt.ca) }),
    },
    logger,
  );
}

/**
 * The device's objects, as configured. `wakeups`: subscribe to the MQTT wake-up topic if one is
 * configured (only `run` does; the caller closes `wakeups`).
 */
export function openAgent(
  config: AgentConfig,
  options: { logger?: AgentLogger; wakeups?: boolean } = {},
): { agent: Agent; element: SecureElement; bootloader: Bootloader; wakeups?: MqttWakeupSource } {
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
  const wakeups = options.wakeups ? wakeupSourceOf(config, options.logger) : undefined;
  const hc = config.healthCheck;
  const healthCheck = healthCheckOf(config);
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
    ...(config.mqtt?.minGapMs === undefined ? {} : { wakeupMinGapMs: config.mqtt.minGapMs }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(wakeups ? { wakeups } : {}),
  });
  return { agent, element, bootloader, ...(wakeups ? { wakeups } : {}) };
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

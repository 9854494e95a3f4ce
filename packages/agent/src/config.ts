/**
 * The agent's configuration: one JSON file (`/etc/osprey/agent.json`), read in one place. Paths in
 * it are relative to the file. {@link agentConfigSchema} documents every field.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { AgentError } from './errors.js';

export const agentConfigSchema = z
  .strictObject({
    /** Base URL of the Osprey server. */
    server: z.url(),
    /**
     * Origins (`https://s3.example.com`, scheme://host[:port]) the server's direct-download links
     * may lead to: its object store or CDN. Fetched without the device's credentials; a download
     * link to any other origin is refused (AGENT_DOWNLOAD_ORIGIN_REFUSED). Default: none.
     */
    storageOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
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
    /**
     * MQTT wake-up (docs/operations.md "MQTT wake-up"): the device subscribes to its own topic and
     * polls at once when the server publishes there. Without it, or while the broker is down, the
     * device polls on its interval. username default `<tenant>/<controllerId>`, topic default
     * `osprey/<tenant>/<controllerId>/wakeup` (ids escaped as @osprey/protocol wakeupTopic says).
     */
    mqtt: z
      .strictObject({
        url: z.string().regex(/^mqtts?:\/\/[^/\s]+/, 'use mqtt://host:port or mqtts://host:port'),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        topic: z
          .string()
          .min(1)
          .refine((t) => !/[+#]/.test(t), 'a topic to subscribe to, without the wildcards + and #')
          .optional(),
        /** CA certificates (PEM file) to trust for mqtts://. */
        ca: z.string().min(1).optional(),
        /** Least time between the polls wake-ups bring forward, and from the poll before (ms; default 5000, never below minPollMs). */
        minGapMs: z.int().positive().optional(),
      })
      .optional(),
  })
  .refine((c) => c.token !== undefined || c.tls?.cert !== undefined, {
    message: 'give the target security token (token) or a client certificate (tls.cert and tls.key)',
    path: ['token'],
  });
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** Every problem of a config, one after the other on one line: `slots: required; server: expected string`. */
function describeConfigIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** Read and check the config file; a missing, unreadable or invalid file is the user's mistake (CONFIG_INVALID), said in one line. */
export function loadConfig(path: string): AgentConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message;
    throw new AgentError('CONFIG_INVALID', `cannot read the config ${path}: ${reason} (see packages/agent/README.md for its fields)`, { cause });
  }
  const parsed = agentConfigSchema.safeParse(json);
  if (!parsed.success) throw new AgentError('CONFIG_INVALID', `invalid config ${path}: ${describeConfigIssues(parsed.error)}`);
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
    ...(c.mqtt?.ca ? { mqtt: { ...c.mqtt, ca: abs(c.mqtt.ca) } } : {}),
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

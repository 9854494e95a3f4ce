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
 * The config file is JSON (config.ts, `agentConfigSchema`); device.ts turns it into the device's objects.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { Agent } from './agent.js';
import { loadConfig } from './config.js';
import { ddiClientOf, openAgent, provision } from './device.js';
import { AGENT_EXIT_FAILURE, AgentError, commandLineMessage } from './errors.js';
import { jsonLogger } from './log.js';
import { acquireAgentLock } from './state/lock.js';
import { OUTCOME_PHASES, type InstallPhase } from './state/machine.js';
import { runSimulatedFleet } from './simulator.js';

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

function agentVersion(): string {
  // ../package.json from both src/ (tests) and dist/ (installed).
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('osprey-agent')
    .description('Osprey device agent: secure A/B updates over DDI')
    .version(agentVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();
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
      const { agent, element, wakeups } = openAgent(config, { logger: jsonLogger({ controllerId: config.controllerId }), wakeups: true });
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      try {
        await agent.run(controller.signal);
      } finally {
        await wakeups?.close();
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
if (['/cli.js', '/cli.ts', '/osprey-agent', '/osprey-agent.js'].some((name) => invoked.endsWith(name))) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`osprey-agent: ${commandLineMessage(e)}\n`);
      process.exitCode = AGENT_EXIT_FAILURE;
    });
}

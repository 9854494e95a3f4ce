/**
 * A/B for an application rather than an operating system: the two slots are directories (or
 * files) next to each other, and what runs is whatever a symbolic link points at — e.g.
 * `/opt/myapp/current → /opt/myapp/b`, the service started from `/opt/myapp/current`. A "boot" is
 * the agent switching the link (atomically: a new link renamed over the old one) and restarting
 * the service. The try-once, fallback and commit rules are the simulated bootloader's, kept in its
 * environment file next to the link; the link always follows the booted slot.
 *
 * Order on every boot: the environment is written first, then the link. After a power cut between
 * the two, `reconcile()` (run when the agent opens it) points the link at the booted slot again.
 */
import { readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SlotId } from '../slots/types.js';
import { fsyncDir } from '@osprey/fs';
import { SimulatedBootloader, type SimulatedBoot } from './simulated.js';
import { BootloaderBase, type BootStatus } from './types.js';

export interface SymlinkBootloaderOptions {
  /** The link the service runs from. */
  readonly link: string;
  /** Where it points for each slot. */
  readonly targets: Readonly<Record<SlotId, string>>;
  /** The try-once state (default `<link>.bootenv`). */
  readonly envPath?: string;
  readonly initialSlot?: SlotId;
}

export class SymlinkBootloader extends BootloaderBase {
  readonly kind = 'symlink' as const;
  readonly #env: SimulatedBootloader;
  readonly #o: SymlinkBootloaderOptions;

  /** Opens the try-once state (created on first use) and points the link at the booted slot. */
  constructor(options: SymlinkBootloaderOptions) {
    super();
    this.#o = options;
    this.#env = new SimulatedBootloader(options.envPath ?? `${options.link}.bootenv`, options.initialSlot ? { initialSlot: options.initialSlot } : {});
    this.#point(this.#env.environment().booted as SlotId);
  }

  /** Where the link points now, or null. */
  linkTarget(): string | null {
    try {
      return readlinkSync(this.#o.link);
    } catch {
      return null;
    }
  }

  #point(slot: SlotId): void {
    const target = this.#o.targets[slot];
    if (this.linkTarget() === target) return;
    const temp = `${this.#o.link}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    symlinkSync(target, temp);
    renameSync(temp, this.#o.link); // rename(2) replaces the old link atomically
    fsyncDir(dirname(this.#o.link));
  }

  /** Points the link at the booted slot (after a power cut between the environment write and the link). */
  async reconcile(): Promise<void> {
    this.#point((await this.#env.status()).booted);
  }

  /** The agent's "reboot": the try-once rules decide the slot, the link follows; restart the service after. */
  async boot(): Promise<SimulatedBoot> {
    const booted = await this.#env.boot();
    this.#point(booted.slot);
    return booted;
  }

  status(): Promise<BootStatus> {
    return this.#env.status();
  }
  setTryOnce(slot: SlotId): Promise<void> {
    return this.#env.setTryOnce(slot);
  }
  markGood(): Promise<void> {
    return this.#env.markGood();
  }
  markBad(slot: SlotId): Promise<void> {
    return this.#env.markBad(slot);
  }
}

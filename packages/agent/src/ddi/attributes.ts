/**
 * What the device tells the server about itself when asked (DDI configData, §1.7): the operator's
 * attributes from the config, and the agent's own `osprey.*` ones, each value at most 128 characters.
 */
import type { InstallType } from '@osprey/core';
import type { BootStatus, BootloaderKind } from '../bootloader/types.js';
import type { InstalledRelease } from '../state/side-files.js';

export interface DeviceDescription {
  readonly hardware: string;
  readonly boot: BootStatus;
  readonly bootloader: BootloaderKind;
  readonly securityVersion: number;
  readonly installTypes: readonly InstallType[];
  readonly installed: InstalledRelease | null;
}

export function deviceAttributes(facts: DeviceDescription, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const { installed } = facts;
  return {
    ...extra,
    'osprey.hardware': facts.hardware,
    'osprey.slot.active': facts.boot.active,
    'osprey.slot.booted': facts.boot.booted,
    'osprey.bootloader': facts.bootloader,
    'osprey.securityVersion': String(facts.securityVersion),
    'osprey.installTypes': facts.installTypes.join(','),
    ...(installed ? { 'osprey.release': `${installed.name} ${installed.version}`.slice(0, 128) } : {}),
  };
}

/**
 * The create forms' checks, before anything is sent: the same limits as the server's schemas
 * (packages/server/src/http/mgmt/software-modules.ts, distribution-sets.ts, named.ts), so the
 * operator hears about a mistake next to the field. The server checks again.
 */

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

// Single-line values take no control character (server http/mgmt/text.ts `line`).
const CONTROL = /[\u0000-\u001f\u007f]/;

export function lineError(value: string, max: number, what: string): string | undefined {
  if (value.trim() === '') return `Enter a ${what}.`;
  if (value.length > max) return `The ${what} is at most ${max} characters.`;
  if (CONTROL.test(value)) return `The ${what} must be one line without control characters.`;
  return undefined;
}

const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
export function keyError(value: string): string | undefined {
  if (value === '') return 'Enter a key.';
  return KEY.test(value) ? undefined : 'Use 1–64 letters, digits or _ . - (no spaces).';
}

const compact = <K extends string>(errors: FieldErrors<K>): FieldErrors<K> =>
  Object.fromEntries(Object.entries(errors).filter(([, v]) => v !== undefined)) as FieldErrors<K>;

export interface NewModuleInput {
  name: string;
  version: string;
  type: string | null;
  description: string;
  vendor: string;
}

export function validateNewModule(input: NewModuleInput): FieldErrors<'name' | 'version' | 'type' | 'description' | 'vendor'> {
  return compact({
    name: lineError(input.name, 128, 'name'),
    version: lineError(input.version, 64, 'version'),
    type: input.type ? undefined : 'Choose the module type.',
    description: input.description.length > 512 ? 'The description is at most 512 characters.' : undefined,
    vendor: input.vendor.length > 256 ? 'The vendor is at most 256 characters.' : CONTROL.test(input.vendor) ? 'The vendor must be one line.' : undefined,
  });
}

export interface NewSetInput {
  name: string;
  version: string;
  type: string | null;
  modules: string[];
  description: string;
}

export function validateNewSet(input: NewSetInput): FieldErrors<'name' | 'version' | 'type' | 'modules' | 'description'> {
  return compact({
    name: lineError(input.name, 128, 'name'),
    version: lineError(input.version, 64, 'version'),
    type: input.type ? undefined : 'Choose the distribution set type.',
    modules: input.modules.length > 1000 ? 'A set holds at most 1000 modules.' : undefined,
    description: input.description.length > 512 ? 'The description is at most 512 characters.' : undefined,
  });
}

export interface NewTypeInput {
  name: string;
  key: string;
  description: string;
  maxAssignments?: number | string;
}

export function validateNewType(input: NewTypeInput): FieldErrors<'name' | 'key' | 'description' | 'maxAssignments'> {
  const max = input.maxAssignments;
  return compact({
    name: lineError(input.name, 128, 'name'),
    key: keyError(input.key),
    description: input.description.length > 512 ? 'The description is at most 512 characters.' : undefined,
    maxAssignments:
      max === undefined ? undefined : typeof max !== 'number' || !Number.isInteger(max) || max < 1 ? 'Enter a whole number of at least 1.' : undefined,
  });
}

/** Hardware ids as typed: separated by commas or white space, each once. */
export function hardwareIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((h) => h !== ''))];
}

/** The release form: a security version (0 … 2³²−1) and at least one hardware id. */
export function validateRelease(input: { securityVersion: number | string; hardware: string[] }): FieldErrors<'securityVersion' | 'hardware'> {
  const v = input.securityVersion;
  return compact({
    securityVersion: typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff ? 'Enter a whole number from 0 to 4294967295.' : undefined,
    hardware:
      input.hardware.length === 0
        ? 'Name at least one hardware id this release is for.'
        : input.hardware.some((h) => h.length > 128)
          ? 'A hardware id is at most 128 characters.'
          : undefined,
  });
}

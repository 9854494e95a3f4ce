/**
 * Permissions under hawkBit's names (shared/reference/hawkbit-api.md §2.4). Both the current and
 * the legacy (0.x, Bosch IoT Rollouts) names map onto one internal set, so users and tokens made
 * for either keep working. Roles are named bundles of permissions.
 */
import type { Actor } from './changes.js';

/** An authenticated management caller: who acts, and what it may do now. */
export interface Principal extends Actor {
  permissions: ReadonlySet<Permission>;
  /**
   * For an API token: the user whose power it carries (`user:alice`, the end of its owner chain).
   * A token acts for that person, so it may not change that person's roles or password.
   */
  owner?: string;
  /** For a console session (Bearer oss_…): which one, so sign-out and "who am I" find it. */
  session?: { id: number; expiresAt: Date };
}

const ENTITIES = [
  'TARGET',
  'TARGET_TYPE',
  'SOFTWARE_MODULE',
  'SOFTWARE_MODULE_TYPE',
  'DISTRIBUTION_SET',
  'DISTRIBUTION_SET_TYPE',
  'ROLLOUT',
  'AUTO_ASSIGNMENT',
  'TENANT_CONFIGURATION',
] as const;
const VERBS = ['CREATE', 'READ', 'UPDATE', 'DELETE'] as const;

export const PERMISSIONS = [
  ...ENTITIES.flatMap((e) => VERBS.map((v) => `${v}_${e}` as const)),
  'READ_TARGET_SECURITY_TOKEN',
  'READ_GATEWAY_SECURITY_TOKEN',
  'READ_SOFTWARE_MODULE_ARTIFACT',
  'HANDLE_ROLLOUT',
  'APPROVE_ROLLOUT',
  'HANDLE_AUTO_ASSIGNMENT',
  'APPROVE_AUTO_ASSIGNMENT',
  /** Osprey: release a distribution set into the tenant's TUF repository (sign). */
  'APPROVE_RELEASE',
  /** Osprey: read the audit log. */
  'READ_AUDIT',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const REPOSITORY: Permission[] = ['SOFTWARE_MODULE', 'SOFTWARE_MODULE_TYPE', 'DISTRIBUTION_SET', 'DISTRIBUTION_SET_TYPE'].flatMap((e) =>
  VERBS.map((v) => `${v}_${e}` as Permission),
);
const repository = (verb: (typeof VERBS)[number]): Permission[] => REPOSITORY.filter((p) => p.startsWith(`${verb}_`));

/** Legacy hawkBit 0.x names → current ones. */
const LEGACY: Record<string, Permission[]> = {
  READ_REPOSITORY: repository('READ'),
  CREATE_REPOSITORY: repository('CREATE'),
  UPDATE_REPOSITORY: repository('UPDATE'),
  DELETE_REPOSITORY: repository('DELETE'),
  DOWNLOAD_REPOSITORY_ARTIFACT: ['READ_SOFTWARE_MODULE_ARTIFACT'],
  TENANT_CONFIGURATION: ['READ_TENANT_CONFIGURATION', 'UPDATE_TENANT_CONFIGURATION', 'CREATE_TENANT_CONFIGURATION', 'DELETE_TENANT_CONFIGURATION'],
  SYSTEM_ADMIN: [...PERMISSIONS],
};

const TARGET_ADMIN: Permission[] = [
  ...['TARGET', 'TARGET_TYPE'].flatMap((e) => VERBS.map((v) => `${v}_${e}` as Permission)),
  'READ_TARGET_SECURITY_TOKEN',
  'READ_DISTRIBUTION_SET',
  'READ_SOFTWARE_MODULE',
];
const REPOSITORY_ADMIN: Permission[] = [...REPOSITORY, 'READ_SOFTWARE_MODULE_ARTIFACT'];
const ROLLOUT_ADMIN: Permission[] = [
  ...VERBS.map((v) => `${v}_ROLLOUT` as Permission),
  'HANDLE_ROLLOUT',
  'APPROVE_ROLLOUT',
  'READ_TARGET',
  'READ_DISTRIBUTION_SET',
  ...VERBS.map((v) => `${v}_AUTO_ASSIGNMENT` as Permission),
  'HANDLE_AUTO_ASSIGNMENT',
  'APPROVE_AUTO_ASSIGNMENT',
];

export const ROLES: Record<string, readonly Permission[]> = {
  TARGET_ADMIN,
  REPOSITORY_ADMIN,
  ROLLOUT_ADMIN,
  TENANT_ADMIN: [
    ...new Set<Permission>([
      ...TARGET_ADMIN,
      ...REPOSITORY_ADMIN,
      ...ROLLOUT_ADMIN,
      ...VERBS.map((v) => `${v}_TENANT_CONFIGURATION` as Permission),
      'READ_GATEWAY_SECURITY_TOKEN',
      'APPROVE_RELEASE',
      'READ_AUDIT',
    ]),
  ],
  /** Read-only: sees everything a support engineer needs, changes nothing. */
  VIEWER: PERMISSIONS.filter((p) => p.startsWith('READ_') && p !== 'READ_TARGET_SECURITY_TOKEN' && p !== 'READ_GATEWAY_SECURITY_TOKEN'),
  admin: [...PERMISSIONS],
};

export class UnknownPermissionError extends Error {
  override readonly name = 'UnknownPermissionError';
}

/**
 * The permission set of a list of grants: role names (with or without hawkBit's `ROLE_`
 * prefix), current permission names and legacy permission names.
 */
export function resolvePermissions(grants: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const raw of grants) {
    const grant = raw.replace(/^ROLE_/, '');
    const role = ROLES[grant];
    if (role) role.forEach((p) => out.add(p));
    else if ((PERMISSIONS as readonly string[]).includes(grant)) out.add(grant as Permission);
    else if (LEGACY[grant]) LEGACY[grant].forEach((p) => out.add(p));
    else throw new UnknownPermissionError(`unknown role or permission "${raw}"`);
  }
  return out;
}

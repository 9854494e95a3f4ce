/**
 * Table types for Kysely. Every table but `tenants` carries `tenant`, and every query filters by
 * it: tenants are isolated from the first line.
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ActionStatus, ActionType, GroupStatus, RolloutStatus, TargetUpdateStatus } from '@osprey/protocol';

/** Written as Date or ISO string; a default (now()) applies when omitted on insert. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** bigserial ids; int8 is parsed to a JS number for pg and PGlite alike (ids stay below 2^53). */
type Id = Generated<number>;
type Ref = number;

export interface TenantsTable {
  id: string;
  config: JSONColumnType<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface UsersTable {
  tenant: string;
  username: string;
  password_hash: string;
  roles: JSONColumnType<string[]>;
  created_at: Timestamp;
}

export interface TargetsTable {
  id: Id;
  tenant: string;
  controller_id: string;
  name: string;
  security_token: string | null;
  address: string | null;
  last_seen_at: Timestamp | null;
  attributes: JSONColumnType<Record<string, string>>;
  request_attributes: Generated<boolean>;
  update_status: ColumnType<TargetUpdateStatus, TargetUpdateStatus | undefined, TargetUpdateStatus>;
  installed_ds_id: Ref | null;
  assigned_ds_id: Ref | null;
  auto_confirm: JSONColumnType<{ initiator?: string; remark?: string; activatedAt: number } | null, string | null, string | null>;
  /** The device's age recipient (age1… X25519 or age1tag1… P-256); set once, never silently replaced. */
  public_key: string | null;
  public_key_source: string | null;
  description: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
  last_modified_at: Timestamp;
  target_type_id: ColumnType<number | null, number | null | undefined, number | null>;
  metadata: ColumnType<Array<{ key: string; value: string }>, string | undefined, string>;
  created_at: Timestamp;
}

export interface SoftwareModulesTable {
  id: Id;
  tenant: string;
  type_key: string;
  name: string;
  version: string;
  vendor: string | null;
  encrypted: Generated<boolean>;
  metadata: JSONColumnType<Array<{ key: string; value: string; targetVisible: boolean }>>;
  description: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
  last_modified_at: Timestamp;
  created_at: Timestamp;
}

export interface ArtifactsTable {
  id: Id;
  tenant: string;
  module_id: Ref;
  filename: string;
  /** Length and hashes of the bytes served (for an encrypted artifact: the age payload). */
  size: number;
  sha1: string;
  md5: string;
  sha256: string;
  /** For encrypted artifacts: the file key wrapped to the tenant's escrow key (an age header). */
  escrow_header: Buffer | null;
  plaintext_size: number | null;
  plaintext_sha256: string | null;
  /** The TUF target path that signs this artifact, when it is one. */
  tuf_target: string | null;
  signature: Buffer | null;
  created_at: Timestamp;
  /** When the stored blob was found damaged, and how ('missing', 'size', 'hash'); null while intact. */
  damaged_at: Timestamp | null;
  damage: string | null;
}

export interface DistributionSetsTable {
  id: Id;
  tenant: string;
  name: string;
  version: string;
  type_key: string;
  description: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
  last_modified_at: Timestamp;
  release_state: ColumnType<
    'draft' | 'pending_approval' | 'released',
    'draft' | 'pending_approval' | 'released' | undefined,
    'draft' | 'pending_approval' | 'released'
  >;
  release_requested_by: ColumnType<string | null, string | null | undefined, string | null>;
  released_by: ColumnType<string | null, string | null | undefined, string | null>;
  released_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  metadata: ColumnType<Array<{ key: string; value: string }>, string | undefined, string>;
  created_at: Timestamp;
}

export interface DistributionSetModulesTable {
  tenant: string;
  ds_id: Ref;
  module_id: Ref;
}

export interface ActionsTable {
  id: Id;
  tenant: string;
  target_id: Ref;
  ds_id: Ref;
  status: ActionStatus;
  active: boolean;
  action_type: ActionType;
  forced_time: Timestamp | null;
  weight: number | null;
  maintenance_schedule: string | null;
  maintenance_duration: string | null;
  maintenance_timezone: string | null;
  last_status_code: number | null;
  rollout_id: ColumnType<number | null, number | null | undefined, number | null>;
  rollout_group_id: ColumnType<number | null, number | null | undefined, number | null>;
  attempts: ColumnType<number, number | undefined, number>;
  released_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ActionStatusesTable {
  id: Id;
  tenant: string;
  action_id: Ref;
  status: ActionStatus;
  code: number | null;
  messages: JSONColumnType<string[]>;
  created_at: Timestamp;
}

export interface TufFilesTable {
  tenant: string;
  /** File name as served, e.g. `1.root.json`, `3.targets.json`, `timestamp.json`. */
  name: string;
  bytes: Buffer;
  created_at: Timestamp;
}

export interface AuditLogTable {
  tenant: string;
  seq: number;
  at: Timestamp;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  after: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  prev_hash: string;
  hash: string;
}

export interface ApiTokensTable {
  id: Id;
  tenant: string;
  name: string;
  owner: string;
  token_hash: string;
  roles: JSONColumnType<string[]>;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

/** A console sign-in (POST /rest/v1/sessions): the token only as its SHA-256. */
export interface SessionsTable {
  id: Id;
  tenant: string;
  username: string;
  token_hash: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  /** The absolute end (sign-in + OSPREY_SESSION_MAX_SECONDS); the idle end is last_seen_at + idle. */
  expires_at: Timestamp;
}

interface NamedTable {
  id: Id;
  tenant: string;
  name: string;
  description: ColumnType<string | null, string | null | undefined, string | null>;
  colour: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}
export type TargetTagsTable = NamedTable;
export type DistributionSetTagsTable = NamedTable;
export interface AutoAssignment {
  distributionSetId: number;
  type: 'forced' | 'soft' | 'downloadonly';
  weight: number | null;
  confirmationRequired: boolean;
  paused: boolean;
}
export interface TargetFiltersTable extends NamedTable {
  query: string;
  auto_assign: JSONColumnType<AutoAssignment | null, string | null | undefined, string | null>;
}
export interface TargetTypesTable extends NamedTable {
  key: string;
}
export interface SoftwareModuleTypesTable extends NamedTable {
  key: string;
  max_assignments: ColumnType<number, number | undefined, number>;
  min_artifacts: ColumnType<number, number | undefined, number>;
}
export interface DistributionSetTypesTable extends NamedTable {
  key: string;
  mandatory_modules: JSONColumnType<number[]>;
  optional_modules: JSONColumnType<number[]>;
}

export interface RolloutsTable {
  id: Id;
  tenant: string;
  name: string;
  description: string | null;
  ds_id: number;
  target_filter: string;
  status: RolloutStatus;
  action_type: ActionType;
  forced_time: Date | null;
  weight: number | null;
  confirmation_required: boolean | null;
  start_at: Date | null;
  thresholds: JSONColumnType<{ success: { percentage: number; action: 'NEXTGROUP' | 'PAUSE' } | null; error: { percentage: number; action: 'PAUSE' } | null }>;
  rate_limit: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  abort_criteria: JSONColumnType<Array<{ failureType: 'failed' | 'timedOut' | 'canceled'; minExecutedCount: number; thresholdPercentage: number }>>;
  rollback_ds_id: number | null;
  max_retries: ColumnType<number, number | undefined, number>;
  approval_remark: string | null;
  approval_decided_by: string | null;
  total_targets: ColumnType<number, number | undefined, number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  maintenance_window: JSONColumnType<{ schedule: string; duration: string; timezone: string } | null, string | null | undefined, string | null>;
  /** Dynamic rollout: new matching targets join trailing groups of `targetCount` (hawkBit #1548). */
  dynamic_template: JSONColumnType<{ nameSuffix: string; targetCount: number } | null, string | null | undefined, string | null>;
}

export interface RolloutGroupsTable {
  id: Id;
  tenant: string;
  rollout_id: number;
  ord: number;
  name: string;
  status: GroupStatus;
  target_filter: string | null;
  target_percentage: number | null;
  thresholds: JSONColumnType<RolloutsTable['thresholds']['__select__'] | null, string | null, string | null>;
  total_targets: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  targets: TargetsTable;
  software_modules: SoftwareModulesTable;
  artifacts: ArtifactsTable;
  distribution_sets: DistributionSetsTable;
  distribution_set_modules: DistributionSetModulesTable;
  actions: ActionsTable;
  action_statuses: ActionStatusesTable;
  tuf_files: TufFilesTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  target_tags: TargetTagsTable;
  distribution_set_tags: DistributionSetTagsTable;
  target_filters: TargetFiltersTable;
  target_types: TargetTypesTable;
  software_module_types: SoftwareModuleTypesTable;
  distribution_set_types: DistributionSetTypesTable;
  target_tag_assignments: { tag_id: number; target_id: number };
  distribution_set_tag_assignments: { tag_id: number; ds_id: number };
  target_type_compatibility: { target_type_id: number; ds_type_id: number };
  rollouts: RolloutsTable;
  rollout_groups: RolloutGroupsTable;
  sessions: SessionsTable;
}

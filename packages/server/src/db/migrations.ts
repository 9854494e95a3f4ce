/**
 * One set of migrations for PGlite and PostgreSQL (same SQL dialect). Append new migrations;
 * never edit an applied one.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
  '0001_ddi': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('roles', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('users_pk', ['tenant', 'username'])
        .execute();
      await db.schema
        .createTable('distribution_sets')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('type_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('distribution_sets_name_version', ['tenant', 'name', 'version'])
        .execute();
      await db.schema
        .createTable('targets')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('controller_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('security_token', 'text')
        .addColumn('address', 'text')
        .addColumn('last_seen_at', 'timestamptz')
        .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('request_attributes', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('update_status', 'text', (c) => c.notNull().defaultTo('UNKNOWN'))
        .addColumn('installed_ds_id', 'bigint', (c) => c.references('distribution_sets.id'))
        .addColumn('assigned_ds_id', 'bigint', (c) => c.references('distribution_sets.id'))
        .addColumn('auto_confirm', 'jsonb')
        .addColumn('public_key', 'text')
        .addColumn('public_key_source', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('targets_controller_id', ['tenant', 'controller_id'])
        .execute();
      await db.schema
        .createTable('software_modules')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('type_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('vendor', 'text')
        .addColumn('encrypted', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('software_modules_identity', ['tenant', 'type_key', 'name', 'version'])
        .execute();
      await db.schema
        .createTable('artifacts')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('module_id', 'bigint', (c) => c.notNull().references('software_modules.id'))
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha1', 'text', (c) => c.notNull())
        .addColumn('md5', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('escrow_header', 'bytea')
        .addColumn('plaintext_size', 'bigint')
        .addColumn('plaintext_sha256', 'text')
        .addColumn('tuf_target', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('artifacts_filename', ['module_id', 'filename'])
        .execute();
      await db.schema
        .createTable('distribution_set_modules')
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('ds_id', 'bigint', (c) => c.notNull().references('distribution_sets.id'))
        .addColumn('module_id', 'bigint', (c) => c.notNull().references('software_modules.id'))
        .addPrimaryKeyConstraint('distribution_set_modules_pk', ['ds_id', 'module_id'])
        .execute();
      await db.schema
        .createTable('actions')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('target_id', 'bigint', (c) => c.notNull().references('targets.id'))
        .addColumn('ds_id', 'bigint', (c) => c.notNull().references('distribution_sets.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('active', 'boolean', (c) => c.notNull())
        .addColumn('action_type', 'text', (c) => c.notNull())
        .addColumn('forced_time', 'timestamptz')
        .addColumn('weight', 'integer')
        .addColumn('maintenance_schedule', 'text')
        .addColumn('maintenance_duration', 'text')
        .addColumn('maintenance_timezone', 'text')
        .addColumn('last_status_code', 'integer')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // The poll asks "which active actions does this target have": keep that an index lookup.
      await db.schema.createIndex('actions_target_active').on('actions').columns(['target_id', 'active']).execute();
      await db.schema
        .createTable('action_statuses')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('code', 'integer')
        .addColumn('messages', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('action_statuses_action').on('action_statuses').columns(['action_id', 'id']).execute();
      await db.schema
        .createTable('tuf_files')
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('tuf_files_pk', ['tenant', 'name'])
        .execute();
    },
  },
  // Every change that alters what a device's poll or authentication sees is announced on channel
  // osprey_cache, so each server instance can keep that state in memory (domain/device-cache.ts).
  // Last-seen updates (last_seen_at, address, attributes) are deliberately not announced.
  '0002_cache_notifications': {
    async up(db: Kysely<unknown>) {
      await sql`
        create function osprey_notify_cache() returns trigger language plpgsql as $$
        declare
          row_data record;
        begin
          if tg_op = 'DELETE' then row_data := old; else row_data := new; end if;
          if tg_table_name = 'actions' then
            perform pg_notify('osprey_cache', 'target:' || row_data.target_id);
          elsif tg_table_name = 'targets' then
            perform pg_notify('osprey_cache', 'target:' || row_data.id);
          else
            perform pg_notify('osprey_cache', 'tenant:' || row_data.id);
          end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger targets_notify_cache after insert or delete or update of security_token, request_attributes, public_key, auto_confirm, controller_id
                on targets for each row execute function osprey_notify_cache()`.execute(db);
      await sql`create trigger actions_notify_cache after insert or update or delete on actions for each row execute function osprey_notify_cache()`.execute(
        db,
      );
      await sql`create trigger tenants_notify_cache after insert or update or delete on tenants for each row execute function osprey_notify_cache()`.execute(
        db,
      );
    },
  },
  '0003_audit_and_tokens': {
    async up(db: Kysely<unknown>) {
      // Append-only, hash-chained per tenant: each entry's hash covers its content and the hash
      // of the entry before it (domain/audit.ts, core/src/audit.ts).
      await db.schema
        .createTable('audit_log')
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject_type', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('before', 'jsonb')
        .addColumn('after', 'jsonb')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_log_pk', ['tenant', 'seq'])
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        /** SHA-256 of the token: the token itself is shown once and never stored. */
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('roles', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('expires_at', 'timestamptz')
        .addColumn('last_used_at', 'timestamptz')
        .addUniqueConstraint('api_tokens_name', ['tenant', 'name'])
        .execute();
    },
  },
  '0004_management_fields': {
    async up(db: Kysely<unknown>) {
      for (const table of ['targets', 'software_modules', 'distribution_sets']) {
        await db.schema.alterTable(table).addColumn('description', 'text').execute();
        await db.schema.alterTable(table).addColumn('created_by', 'text').execute();
        await db.schema
          .alterTable(table)
          .addColumn('last_modified_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .execute();
      }
    },
  },
  '0005_release_and_signatures': {
    async up(db: Kysely<unknown>) {
      // A detached signature over each artifact's served bytes (openssl dgst -sha256 -verify).
      await db.schema.alterTable('artifacts').addColumn('signature', 'bytea').execute();
      // Release (sign into the tenant's TUF repository), optionally four-eyes approved.
      await db.schema
        .alterTable('distribution_sets')
        .addColumn('release_state', 'text', (c) => c.notNull().defaultTo('draft'))
        .execute();
      await db.schema.alterTable('distribution_sets').addColumn('release_requested_by', 'text').execute();
      await db.schema.alterTable('distribution_sets').addColumn('released_by', 'text').execute();
      await db.schema.alterTable('distribution_sets').addColumn('released_at', 'timestamptz').execute();
    },
  },
  '0006_catalogue': {
    async up(db: Kysely<unknown>) {
      const named = (table: string) =>
        db.schema
          .createTable(table)
          .addColumn('id', 'bigserial', (c) => c.primaryKey())
          .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('colour', 'text')
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`));
      await named('target_tags').addUniqueConstraint('target_tags_name', ['tenant', 'name']).execute();
      await named('distribution_set_tags').addUniqueConstraint('distribution_set_tags_name', ['tenant', 'name']).execute();
      await named('target_filters')
        .addColumn('query', 'text', (c) => c.notNull())
        .addUniqueConstraint('target_filters_name', ['tenant', 'name'])
        .execute();
      await named('target_types')
        .addColumn('key', 'text', (c) => c.notNull())
        .addUniqueConstraint('target_types_key', ['tenant', 'key'])
        .execute();
      await named('software_module_types')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('max_assignments', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('min_artifacts', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('software_module_types_key', ['tenant', 'key'])
        .execute();
      await named('distribution_set_types')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('mandatory_modules', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('optional_modules', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addUniqueConstraint('distribution_set_types_key', ['tenant', 'key'])
        .execute();
      await db.schema
        .createTable('target_tag_assignments')
        .addColumn('tag_id', 'bigint', (c) => c.notNull().references('target_tags.id').onDelete('cascade'))
        .addColumn('target_id', 'bigint', (c) => c.notNull().references('targets.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('target_tag_assignments_pk', ['tag_id', 'target_id'])
        .execute();
      await db.schema
        .createTable('distribution_set_tag_assignments')
        .addColumn('tag_id', 'bigint', (c) => c.notNull().references('distribution_set_tags.id').onDelete('cascade'))
        .addColumn('ds_id', 'bigint', (c) => c.notNull().references('distribution_sets.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('distribution_set_tag_assignments_pk', ['tag_id', 'ds_id'])
        .execute();
      await db.schema
        .createTable('target_type_compatibility')
        .addColumn('target_type_id', 'bigint', (c) => c.notNull().references('target_types.id').onDelete('cascade'))
        .addColumn('ds_type_id', 'bigint', (c) => c.notNull().references('distribution_set_types.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('target_type_compatibility_pk', ['target_type_id', 'ds_type_id'])
        .execute();
      await db.schema
        .alterTable('targets')
        .addColumn('target_type_id', 'bigint', (c) => c.references('target_types.id').onDelete('set null'))
        .execute();
      await db.schema
        .alterTable('targets')
        .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .execute();
      await db.schema
        .alterTable('distribution_sets')
        .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .execute();
    },
  },
  '0007_rollouts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rollouts')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('ds_id', 'bigint', (c) => c.notNull().references('distribution_sets.id'))
        .addColumn('target_filter', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('action_type', 'text', (c) => c.notNull())
        .addColumn('forced_time', 'timestamptz')
        .addColumn('weight', 'integer')
        .addColumn('confirmation_required', 'boolean')
        .addColumn('start_at', 'timestamptz')
        .addColumn('thresholds', 'jsonb', (c) => c.notNull())
        .addColumn('rate_limit', 'jsonb')
        .addColumn('abort_criteria', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('rollback_ds_id', 'bigint', (c) => c.references('distribution_sets.id'))
        .addColumn('max_retries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('approval_remark', 'text')
        .addColumn('approval_decided_by', 'text')
        .addColumn('total_targets', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('rollouts_name', ['tenant', 'name'])
        .execute();
      await db.schema.createIndex('rollouts_status').on('rollouts').columns(['status']).execute();
      await db.schema
        .createTable('rollout_groups')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('rollout_id', 'bigint', (c) => c.notNull().references('rollouts.id').onDelete('cascade'))
        .addColumn('ord', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('target_filter', 'text')
        .addColumn('target_percentage', 'real')
        .addColumn('thresholds', 'jsonb')
        .addColumn('total_targets', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .alterTable('actions')
        .addColumn('rollout_id', 'bigint', (c) => c.references('rollouts.id').onDelete('set null'))
        .execute();
      await db.schema
        .alterTable('actions')
        .addColumn('rollout_group_id', 'bigint', (c) => c.references('rollout_groups.id').onDelete('set null'))
        .execute();
      await db.schema
        .alterTable('actions')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('actions').addColumn('released_at', 'timestamptz').execute();
      // Each tick counts a group's actions by status: an index lookup, not a scan.
      await db.schema.createIndex('actions_rollout_group_status').on('actions').columns(['rollout_group_id', 'status']).execute();
    },
  },
  '0008_rollout_windows_and_auto_assignment': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('rollouts').addColumn('maintenance_window', 'jsonb').execute();
      await db.schema.alterTable('rollouts').addColumn('dynamic_template', 'jsonb').execute();
      await db.schema.alterTable('target_filters').addColumn('auto_assign', 'jsonb').execute();
    },
  },
  '0009_rollout_statistics_index': {
    async up(db: Kysely<unknown>) {
      // Rollout statistics (per status) and "is this target in the rollout" are index lookups.
      await db.schema.createIndex('actions_rollout_status').on('actions').columns(['rollout_id', 'status']).execute();
      await db.schema.createIndex('actions_target_ds').on('actions').columns(['target_id', 'ds_id']).execute();
    },
  },
  '0010_artifact_damage': {
    async up(db: Kysely<unknown>) {
      // Set when a download or scrub finds the stored blob missing, resized or changed: the artifact is no longer offered.
      await db.schema.alterTable('artifacts').addColumn('damaged_at', 'timestamptz').execute();
      await db.schema.alterTable('artifacts').addColumn('damage', 'text').execute();
    },
  },
  '0011_console_sessions': {
    async up(db: Kysely<unknown>) {
      // Console sign-ins: only the token's SHA-256 is stored. Deleting a user ends its sessions.
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addForeignKeyConstraint('sessions_user', ['tenant', 'username'], 'users', ['tenant', 'username'], (c) => c.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').columns(['tenant', 'username']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

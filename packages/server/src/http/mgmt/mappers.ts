/**
 * Database rows → hawkBit management API JSON (shared/reference/hawkbit-api.md §2.3), and the zod
 * schema of each reply next to the mapper that makes it: the serializer checks every reply
 * against its schema (z.object drops keys it does not list), and docs/openapi.json documents it.
 * Times are epoch milliseconds; optional fields that are absent are left out, as hawkBit does.
 */
import { z } from 'zod';
import { ACTION_STATUSES, ACTION_TYPES, TARGET_UPDATE_STATUSES } from '@osprey/protocol';
import type { ActionRow, ActionStatusRow } from '../../db/stores/actions.js';
import type { DistributionSetRow } from '../../db/stores/distribution-sets.js';
import type { ArtifactRow, SoftwareModuleRow } from '../../db/stores/software-modules.js';
import type { TargetRow } from '../../db/stores/targets.js';
import { links } from '../schema.js';

const ms = (d: Date | string | null | undefined): number | undefined => (d === null || d === undefined ? undefined : new Date(d).getTime());
const lower = <T extends string>(value: T) => value.toLowerCase() as Lowercase<T>;
const lowerAll = <T extends string>(values: readonly T[]) => values.map(lower) as [Lowercase<T>, ...Array<Lowercase<T>>];
const time = z.number().int().describe('epoch milliseconds');

// --- targets ---------------------------------------------------------------------------------

export const targetReply = z.object({
  controllerId: z.string(),
  name: z.string(),
  description: z.string().optional(),
  updateStatus: z.enum(lowerAll(TARGET_UPDATE_STATUSES)),
  lastControllerRequestAt: time.optional(),
  address: z.string().optional(),
  ipAddress: z.string().optional(),
  securityToken: z.string().optional().describe('only with READ_TARGET_SECURITY_TOKEN'),
  requestAttributes: z.boolean(),
  autoConfirmActive: z.boolean(),
  publicKey: z.string().optional().describe("the device's age recipient"),
  createdBy: z.string().optional(),
  createdAt: time.optional(),
  lastModifiedAt: time.optional(),
  _links: links('self', 'assignedDS', 'installedDS', 'attributes', 'actions'),
});

export function targetJson(base: string, t: TargetRow, options: { withToken: boolean }): z.input<typeof targetReply> {
  const self = `${base}/targets/${encodeURIComponent(t.controller_id)}`;
  return {
    controllerId: t.controller_id,
    name: t.name,
    description: t.description ?? undefined,
    updateStatus: lower(t.update_status),
    lastControllerRequestAt: ms(t.last_seen_at),
    address: t.address ?? undefined,
    ipAddress: t.address ?? undefined,
    ...(options.withToken ? { securityToken: t.security_token ?? undefined } : {}),
    requestAttributes: t.request_attributes,
    autoConfirmActive: t.auto_confirm !== null,
    publicKey: t.public_key ?? undefined,
    createdBy: t.created_by ?? undefined,
    createdAt: ms(t.created_at),
    lastModifiedAt: ms(t.last_modified_at),
    _links: {
      self: { href: self },
      assignedDS: { href: `${self}/assignedDS` },
      installedDS: { href: `${self}/installedDS` },
      attributes: { href: `${self}/attributes` },
      actions: { href: `${self}/actions?offset=0&limit=50&sort=id%3ADESC` },
    },
  };
}

// --- software modules and artifacts ----------------------------------------------------------

export const moduleReply = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.string(),
  type: z.string().describe('the software module type key'),
  description: z.string().optional(),
  vendor: z.string().optional(),
  encrypted: z.boolean(),
  createdBy: z.string().optional(),
  createdAt: time.optional(),
  lastModifiedAt: time.optional(),
  _links: links('self', 'artifacts'),
});

export function moduleJson(base: string, m: SoftwareModuleRow): z.input<typeof moduleReply> {
  const self = `${base}/softwaremodules/${m.id}`;
  return {
    id: Number(m.id),
    name: m.name,
    version: m.version,
    type: m.type_key,
    description: m.description ?? undefined,
    vendor: m.vendor ?? undefined,
    encrypted: m.encrypted,
    createdBy: m.created_by ?? undefined,
    createdAt: ms(m.created_at),
    lastModifiedAt: ms(m.last_modified_at),
    _links: { self: { href: self }, artifacts: { href: `${self}/artifacts` } },
  };
}

export const artifactReply = z.object({
  id: z.number().int(),
  providedFilename: z.string(),
  size: z.number().int().describe('bytes stored and served (for an encrypted artifact: the age payload)'),
  hashes: z.object({ sha1: z.string(), md5: z.string(), sha256: z.string() }).describe('of the bytes served'),
  encrypted: z.boolean(),
  plaintext: z.object({ size: z.number().int(), sha256: z.string() }).optional().describe('for an encrypted artifact: what was uploaded'),
  tufTarget: z.string().optional().describe('the TUF target that signs it'),
  createdAt: time.optional(),
  damaged: z.boolean().optional().describe('true once the stored bytes were found missing, resized or changed: no longer offered'),
  damage: z.enum(['missing', 'size', 'hash']).optional().describe('how the stored bytes are damaged'),
  _links: links('self', 'download'),
});

export function artifactJson(base: string, a: ArtifactRow): z.input<typeof artifactReply> {
  const self = `${base}/softwaremodules/${a.module_id}/artifacts/${a.id}`;
  return {
    id: Number(a.id),
    providedFilename: a.filename,
    size: Number(a.size),
    hashes: { sha1: a.sha1, md5: a.md5, sha256: a.sha256 },
    encrypted: a.escrow_header !== null,
    ...(a.plaintext_sha256 ? { plaintext: { size: Number(a.plaintext_size), sha256: a.plaintext_sha256 } } : {}),
    tufTarget: a.tuf_target ?? undefined,
    createdAt: ms(a.created_at),
    ...(a.damage !== null ? { damaged: true, damage: a.damage as 'missing' | 'size' | 'hash' } : {}),
    _links: { self: { href: self }, download: { href: `${self}/download` } },
  };
}

// --- distribution sets -----------------------------------------------------------------------

export const distributionSetReply = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.string(),
  type: z.string().describe('the distribution set type key'),
  description: z.string().optional(),
  modules: z.array(moduleReply),
  complete: z.boolean(),
  releaseState: z
    .enum(['draft', 'pending_approval', 'released'])
    .describe('the stored release state; GET …/release also says pending_signature while offline-signed targets are awaited'),
  createdBy: z.string().optional(),
  createdAt: time.optional(),
  lastModifiedAt: time.optional(),
  _links: links('self', 'assignedTargets', 'modules'),
});

export function distributionSetJson(base: string, d: DistributionSetRow, modules: SoftwareModuleRow[]): z.input<typeof distributionSetReply> {
  const self = `${base}/distributionsets/${d.id}`;
  return {
    id: Number(d.id),
    name: d.name,
    version: d.version,
    type: d.type_key,
    description: d.description ?? undefined,
    modules: modules.map((m) => moduleJson(base, m)),
    complete: modules.length > 0,
    releaseState: d.release_state,
    createdBy: d.created_by ?? undefined,
    createdAt: ms(d.created_at),
    lastModifiedAt: ms(d.last_modified_at),
    _links: { self: { href: self }, assignedTargets: { href: `${self}/assignedTargets` }, modules: { href: `${self}/assignedSM` } },
  };
}

/** hawkBit's answer to an assignment. */
export const assignmentReply = z.object({
  assigned: z.number().int(),
  alreadyAssigned: z.number().int(),
  total: z.number().int(),
  assignedActions: z.array(z.object({ id: z.number().int() })),
});

// --- actions ---------------------------------------------------------------------------------

export const actionReply = z.object({
  id: z.number().int(),
  type: z.enum(['update', 'cancel']),
  active: z.boolean(),
  status: z.enum(lowerAll(ACTION_STATUSES)),
  forceType: z.enum(ACTION_TYPES),
  forceTime: time.optional(),
  weight: z.number().int().optional(),
  maintenanceWindow: z.object({ schedule: z.string(), duration: z.string().nullable(), timezone: z.string().nullable() }).optional(),
  lastStatusCode: z.number().int().optional(),
  createdAt: time.optional(),
  lastModifiedAt: time.optional(),
  _links: links('self', 'target', 'distributionset', 'status'),
});

export function actionJson(base: string, a: ActionRow, controllerId: string): z.input<typeof actionReply> {
  const self = `${base}/targets/${encodeURIComponent(controllerId)}/actions/${a.id}`;
  const canceling = a.status === 'CANCELING' || a.status === 'CANCELED';
  return {
    id: Number(a.id),
    type: canceling ? 'cancel' : 'update',
    active: a.active,
    status: lower(a.status),
    forceType: a.action_type,
    forceTime: ms(a.forced_time),
    weight: a.weight ?? undefined,
    ...(a.maintenance_schedule
      ? { maintenanceWindow: { schedule: a.maintenance_schedule, duration: a.maintenance_duration, timezone: a.maintenance_timezone } }
      : {}),
    lastStatusCode: a.last_status_code ?? undefined,
    createdAt: ms(a.created_at),
    lastModifiedAt: ms(a.updated_at),
    _links: {
      self: { href: self },
      target: { href: `${base}/targets/${encodeURIComponent(controllerId)}` },
      distributionset: { href: `${base}/distributionsets/${a.ds_id}` },
      status: { href: `${self}/status?offset=0&limit=50&sort=id%3ADESC` },
    },
  };
}

/** One entry of an action's status history. */
export const actionStatusReply = z.object({
  id: z.number().int(),
  type: z.enum(lowerAll(ACTION_STATUSES)),
  messages: z.array(z.string()),
  code: z.number().int().optional(),
  reportedAt: time,
});

export function actionStatusJson(s: ActionStatusRow): z.input<typeof actionStatusReply> {
  return { id: Number(s.id), type: lower(s.status), messages: s.messages, code: s.code ?? undefined, reportedAt: new Date(s.created_at).getTime() };
}

export function page<T>(content: T[], total: number) {
  return { content, total, size: content.length };
}

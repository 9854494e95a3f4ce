/** Database rows → hawkBit management API JSON (shared/reference/hawkbit-api.md §2.3). */
import type { Selectable } from 'kysely';
import type { ActionsTable, ArtifactsTable, DistributionSetsTable, SoftwareModulesTable, TargetsTable } from '../../db/schema.js';

const ms = (d: Date | string | null | undefined): number | undefined => (d === null || d === undefined ? undefined : new Date(d).getTime());

export function targetJson(base: string, t: Selectable<TargetsTable>, options: { withToken: boolean }) {
  const self = `${base}/targets/${encodeURIComponent(t.controller_id)}`;
  return {
    controllerId: t.controller_id,
    name: t.name,
    description: t.description ?? undefined,
    updateStatus: t.update_status.toLowerCase(),
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

export function moduleJson(base: string, m: Selectable<SoftwareModulesTable>) {
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

export function artifactJson(base: string, a: Selectable<ArtifactsTable>) {
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
    _links: { self: { href: self }, download: { href: `${self}/download` } },
  };
}

export function distributionSetJson(base: string, d: Selectable<DistributionSetsTable>, modules: Selectable<SoftwareModulesTable>[]) {
  const self = `${base}/distributionsets/${d.id}`;
  return {
    id: Number(d.id),
    name: d.name,
    version: d.version,
    type: d.type_key,
    description: d.description ?? undefined,
    modules: modules.map((m) => moduleJson(base, m)),
    complete: modules.length > 0,
    createdBy: d.created_by ?? undefined,
    createdAt: ms(d.created_at),
    lastModifiedAt: ms(d.last_modified_at),
    _links: { self: { href: self }, assignedTargets: { href: `${self}/assignedTargets` }, modules: { href: `${self}/assignedSM` } },
  };
}

export function actionJson(base: string, a: Selectable<ActionsTable>, controllerId: string) {
  const self = `${base}/targets/${encodeURIComponent(controllerId)}/actions/${a.id}`;
  const canceling = a.status === 'CANCELING' || a.status === 'CANCELED';
  return {
    id: Number(a.id),
    type: canceling ? 'cancel' : 'update',
    active: a.active,
    status: a.status.toLowerCase(),
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

export function page<T>(content: T[], total: number) {
  return { content, total, size: content.length };
}

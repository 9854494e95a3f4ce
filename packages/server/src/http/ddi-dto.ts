/**
 * hawkBit's DDI JSON from the plain values the domain returns: HAL links under the device's own
 * base URL (`{origin}/{tenant}/controller/v1/{controllerId}`), ids as strings, hawkBit's names and
 * key order, and Osprey's additive fields. Nothing here decides anything.
 */
import type { ArtifactView } from '../domain/ddi/artifacts.js';
import type { ConfirmationState, DeploymentView, PollView } from '../domain/ddi/deployments.js';
import { secondsToDuration } from '../domain/tenant-config.js';
import type { ArtifactReply, ConfirmationReply, ConfirmationStateReply, DeploymentReply, PollReply } from './ddi-schemas.js';

/** Where a device's DDI resources live, for links. */
export interface DeviceUrls {
  /** `http(s)://host` as the device reached us. */
  origin: string;
  /** `{origin}/{tenant}/controller/v1/{controllerId}` */
  base: string;
  tenant: string;
}

export function deviceUrls(origin: string, tenant: string, controllerId: string): DeviceUrls {
  return { origin, tenant, base: `${origin}/${encodeURIComponent(tenant)}/controller/v1/${encodeURIComponent(controllerId)}` };
}

const link = (urls: DeviceUrls, path: string) => ({ href: `${urls.base}/${path}` });

/** Root poll (§1.3): the sleep and at most one of cancelAction/confirmationBase/deploymentBase, then installedBase and configData. */
export function pollBody(urls: DeviceUrls, view: PollView): PollReply {
  const links: NonNullable<PollReply['_links']> = {};
  const next = view.next;
  if (next?.kind === 'cancel') links.cancelAction = link(urls, `cancelAction/${next.actionId}`);
  else if (next?.kind === 'confirm') links.confirmationBase = link(urls, `confirmationBase/${next.actionId}?c=${next.cacheBuster}`);
  else if (next?.kind === 'deploy') links.deploymentBase = link(urls, `deploymentBase/${next.actionId}?c=${next.cacheBuster}`);
  if (view.installedActionId !== undefined) links.installedBase = link(urls, `installedBase/${view.installedActionId}`);
  if (view.requestAttributes) links.configData = link(urls, 'configData');
  const body: PollReply = { config: { polling: { sleep: secondsToDuration(view.sleepSeconds) } } };
  if (Object.keys(links).length > 0) body._links = links;
  return body;
}

/** Direct-download URLs (blob/direct.ts) of this response's artifacts, by artifact id. */
export type DirectLinks = ReadonlyMap<number, string>;

/**
 * One artifact (§1.4 `artifacts[]`, §1.8 links) under `softwaremodules/{moduleId}/artifacts`.
 * With a direct-download URL, `download-http` (and `download`, hawkBit's TLS rel, when the URL is
 * https) point at storage; `.MD5SUM` and `.sig` stay here.
 */
export function artifactBody(urls: DeviceUrls, moduleId: number, a: ArtifactView, direct?: DirectLinks): ArtifactReply {
  const href = `${urls.base}/softwaremodules/${moduleId}/artifacts/${encodeURIComponent(a.filename)}`;
  const storage = direct?.get(a.id);
  const links: ArtifactReply['_links'] = { 'download-http': { href: storage ?? href }, 'md5sum-http': { href: `${href}.MD5SUM` } };
  if (storage?.startsWith('https:')) links.download = { href: storage };
  if (a.signature) links['signature-http'] = { href: `${href}.sig` };
  const body: ArtifactReply = { filename: a.filename, hashes: a.hashes, size: a.size, _links: links };
  const osprey: NonNullable<ArtifactReply['osprey']> = {};
  if (a.tufTarget) osprey.tufTarget = a.tufTarget;
  if (a.encryption)
    osprey.encryption = a.encryption.header ? { format: a.encryption.format, header: a.encryption.header.toString('base64') } : { format: a.encryption.format };
  if (Object.keys(osprey).length > 0) body.osprey = osprey;
  return body;
}

/** deploymentBase/{id} and installedBase/{id} (`deployment`) or confirmationBase/{id} (`confirmation`). */
export function deploymentBody(urls: DeviceUrls, view: DeploymentView, direct?: DirectLinks): DeploymentReply | ConfirmationReply {
  const chunks = view.chunks.map((c) => {
    const chunk: DeploymentReply['deployment']['chunks'][number] = {
      part: c.part,
      version: c.version,
      name: c.name,
      artifacts: c.artifacts.map((a) => artifactBody(urls, c.moduleId, a, direct)),
    };
    if (c.encrypted) chunk.encrypted = true;
    if (c.metadata.length > 0) chunk.metadata = c.metadata;
    return chunk;
  });
  const instructions = { ...view.instructions, chunks };
  const extras: Pick<DeploymentReply, 'actionHistory' | 'osprey'> = {};
  if (view.history) extras.actionHistory = view.history;
  if (view.tuf) {
    const tenant = encodeURIComponent(urls.tenant);
    extras.osprey = { tuf: { metadata: `${urls.origin}/${tenant}/tuf/metadata`, targets: `${urls.origin}/${tenant}/tuf/targets` } };
  }
  const id = String(view.actionId);
  return view.kind === 'confirmation' ? { id, confirmation: instructions, ...extras } : { id, deployment: instructions, ...extras };
}

/** GET confirmationBase (§1.6). */
export function confirmationStateBody(urls: DeviceUrls, state: ConfirmationState): ConfirmationStateReply {
  const auto = state.autoConfirm;
  const links: ConfirmationStateReply['_links'] = auto
    ? { deactivateAutoConfirm: link(urls, 'confirmationBase/deactivateAutoConfirm') }
    : { activateAutoConfirm: link(urls, 'confirmationBase/activateAutoConfirm') };
  if (state.waiting) links.confirmationBase = link(urls, `confirmationBase/${state.waiting.actionId}?c=${state.waiting.cacheBuster}`);
  return {
    autoConfirm: auto
      ? {
          active: true,
          ...(auto.initiator ? { initiator: auto.initiator } : {}),
          ...(auto.remark ? { remark: auto.remark } : {}),
          activatedAt: auto.activatedAt,
        }
      : { active: false },
    _links: links,
  };
}

/** GET cancelAction/{id}: hawkBit's stop instruction names the action to stop. */
export function cancelActionBody(actionId: number): { id: string; cancelAction: { stopId: string } } {
  return { id: String(actionId), cancelAction: { stopId: String(actionId) } };
}

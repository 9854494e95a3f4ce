/**
 * Which release the device accepts, and from where its payload comes: a deployment's TUF target
 * resolved from the device's provisioned (and sealed) root, or an offline bundle opened the same
 * way; each checked for this device's hardware, security version (anti-rollback) and install
 * types before anything is downloaded or written.
 */
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildReleaseTarget, type InstallType, type ReleaseCustom } from '@osprey/core';
import type { SecurityVersionStore } from './bootloader/security-version.js';
import { openBundle, type OpenedBundle } from './bundle/index.js';
import type { DdiClient, Deployment } from './ddi/client.js';
import { AgentError } from './errors.js';
import type { PayloadSource } from './install/streaming.js';
import type { ReleaseInfo } from './state/machine.js';
import type { BundleAction, DdiAction, PendingAction } from './state/side-files.js';
import type { TrustAnchor } from './verify/anchor.js';
import { assignedRelease } from './verify/assigned.js';
import { checkAssignedArtifact, resolveRelease, type SignedRelease } from './verify/tuf.js';

export interface ReleaseAdmissionOptions {
  /** The device's TUF directory holding the provisioned `root.json`. */
  readonly metadataDir: string;
  /** Checks the provisioned root against its seal before every TUF refresh (verify/anchor.ts). */
  readonly trustAnchor?: TrustAnchor;
  readonly hardware: string;
  readonly securityVersion: SecurityVersionStore;
  /** The release install types the slots take (`custom.installType`). Default: image. */
  readonly installTypes?: readonly InstallType[];
  /** Where a bundle's payload is extracted. */
  readonly bundleDir: string;
  /** Where download links may lead (the DDI client: the server, or a configured storage origin). */
  readonly ddi?: Pick<DdiClient, 'downloadOrigin'>;
}

/** What the state machine records of a release. */
export const releaseInfoOf = (custom: ReleaseCustom): ReleaseInfo => ({
  name: custom.name,
  version: custom.version,
  securityVersion: custom.securityVersion,
  sha256: custom.plaintext.sha256,
  length: custom.plaintext.length,
});

/** An action admitted for installation: what to record (action.json), and the signed release. */
export interface AdmittedAction<A extends PendingAction> {
  readonly action: A;
  readonly release: SignedRelease;
}

/** The payload of an action and the signed release it must be. */
export interface ActionPayload {
  readonly source: PayloadSource;
  readonly release: SignedRelease;
  /** This device's age header (base64), null for an unencrypted release. */
  readonly header: string | null;
}

export class ReleaseAdmission {
  readonly #o: ReleaseAdmissionOptions;

  constructor(options: ReleaseAdmissionOptions) {
    this.#o = options;
  }

  get installTypes(): readonly InstallType[] {
    return this.#o.installTypes ?? ['image'];
  }

  /** A deployment's release, resolved through TUF and admitted for this device (not yet its install type: see {@link checkInstallType}). */
  async deployment(location: Pick<DdiAction, 'tufMetadataUrl' | 'tufTargetsUrl' | 'targetPath'>): Promise<SignedRelease> {
    const securityVersion = await this.#o.securityVersion.current();
    return this.#trusted(() =>
      resolveRelease({
        tufMetadataUrl: location.tufMetadataUrl,
        tufTargetsUrl: location.tufTargetsUrl,
        targetPath: location.targetPath,
        metadataDir: this.#o.metadataDir,
        device: { hardware: this.#o.hardware, securityVersion },
      }),
    );
  }

  /**
   * A deployment's (first) artifact, admitted: it must name a signed TUF target that resolves for
   * this device, match what the server says of it, and be of an install type the slots take.
   * Throws the precise reason otherwise (the agent reports it to the server as the refusal).
   */
  async admitDeployment(deployment: Deployment): Promise<AdmittedAction<DdiAction>> {
    const artifact = deployment.chunks[0]?.artifacts[0];
    if (!artifact) throw new AgentError('AGENT_ARTIFACT_UNSIGNED', `action ${deployment.actionId} has no artifact`);
    const assigned = assignedRelease(deployment, artifact);
    if (!assigned.downloadUrl) throw new AgentError('AGENT_DDI_RESPONSE_INVALID', `artifact ${artifact.filename} has no download link`);
    // A link to an origin neither the server nor configured storage is refused before anything is fetched.
    this.#o.ddi?.downloadOrigin(assigned.downloadUrl);
    const release = await this.deployment(assigned);
    checkAssignedArtifact(artifact, release);
    this.checkInstallType(release.custom);
    const action: DdiAction = {
      actionId: deployment.actionId,
      targetPath: assigned.targetPath,
      tufMetadataUrl: assigned.tufMetadataUrl,
      tufTargetsUrl: assigned.tufTargetsUrl,
      downloadUrl: assigned.downloadUrl,
      header: assigned.header ? assigned.header.toString('base64') : null,
      length: release.length,
      sha256: release.sha256,
    };
    return { action, release };
  }

  /**
   * An offline bundle, admitted like a deployment (and of an install type the slots take), its
   * payload extracted; `actionId` names the install. Nothing is left behind when it is refused.
   */
  async admitBundle(file: string, actionId: string): Promise<AdmittedAction<BundleAction>> {
    rmSync(this.#o.bundleDir, { recursive: true, force: true });
    const bundle = resolve(file);
    const opened = await this.bundle(bundle);
    const { release } = opened;
    try {
      this.checkInstallType(release.custom);
    } catch (e) {
      rmSync(this.#o.bundleDir, { recursive: true, force: true });
      throw e;
    }
    const action: BundleAction = {
      kind: 'bundle',
      actionId,
      bundle,
      payloadFile: opened.payloadFile,
      targetPath: release.targetPath,
      custom: release.custom,
      header: opened.header ? opened.header.toString('base64') : null,
      length: release.length,
      sha256: release.sha256,
    };
    return { action, release };
  }

  /** An offline bundle, admitted like a deployment, its payload extracted into the bundle directory. */
  async bundle(file: string): Promise<OpenedBundle> {
    const securityVersion = await this.#o.securityVersion.current();
    return this.#trusted(() =>
      openBundle(file, { metadataDir: this.#o.metadataDir, device: { hardware: this.#o.hardware, securityVersion }, workDir: this.#o.bundleDir }),
    );
  }

  /** Refuses a release of an install type the device's slots do not take (AGENT_INSTALL_TYPE_UNSUPPORTED). */
  checkInstallType(custom: ReleaseCustom): void {
    const accepted = this.installTypes;
    if (!accepted.includes(custom.installType)) {
      throw new AgentError(
        'AGENT_INSTALL_TYPE_UNSUPPORTED',
        `release ${custom.name} ${custom.version} is of install type "${custom.installType}"; this device's slots take ${accepted.map((t) => `"${t}"`).join(', ')}`,
        { details: { installType: custom.installType, accepted } },
      );
    }
  }

  /** Where an action's payload comes from, and the signed release it must be. */
  async payloadOf(action: PendingAction): Promise<ActionPayload> {
    if (action.kind !== 'bundle') {
      // Refreshed at every (re)start of the stream: a resume days later still needs fresh metadata.
      return { source: action.downloadUrl, release: await this.deployment(action), header: action.header };
    }
    if (existsSync(action.payloadFile)) {
      // Admitted by openBundle() when the install began; the stream checks it against these signed facts.
      const target = buildReleaseTarget({ length: action.length, sha256: action.sha256, custom: action.custom, path: action.targetPath });
      return {
        source: { file: action.payloadFile },
        release: { targetPath: action.targetPath, target, custom: action.custom, length: action.length, sha256: action.sha256 },
        header: action.header,
      };
    }
    // The extracted copy is gone (a restart cleaned it): admit and extract the bundle again.
    const opened = await this.bundle(action.bundle);
    if (opened.release.targetPath !== action.targetPath || opened.release.sha256 !== action.sha256) {
      throw new AgentError(
        'AGENT_BUNDLE_INVALID',
        `${action.bundle} no longer holds ${action.targetPath} (sha256 ${action.sha256}): it changed since the install began`,
      );
    }
    return { source: { file: opened.payloadFile }, release: opened.release, header: opened.header ? opened.header.toString('base64') : null };
  }

  /** A TUF refresh, on the sealed root when there is a trust anchor. */
  #trusted<T>(refresh: () => Promise<T>): Promise<T> {
    return this.#o.trustAnchor ? this.#o.trustAnchor.guard(refresh) : refresh();
  }
}

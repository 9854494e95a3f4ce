/**
 * What a DDI deployment says about one artifact, reduced to what verification needs. An artifact
 * that names no signed TUF target (or a deployment without the tenant's TUF repository) is
 * refused: the agent installs signed targets only, whatever the server assigns.
 */
import type { Deployment, DeploymentArtifact } from '../ddi/client.js';
import { AgentError } from '../errors.js';

export interface AssignedRelease {
  tufMetadataUrl: string;
  tufTargetsUrl: string;
  /** The signed TUF target the server says this artifact is. */
  targetPath: string;
  /** This device's age header, when the artifact is encrypted and the device key is registered. */
  header?: Buffer;
  downloadUrl?: string;
}

export function assignedRelease(deployment: Pick<Deployment, 'tuf'>, artifact: DeploymentArtifact): AssignedRelease {
  if (!deployment.tuf) throw new AgentError('AGENT_ARTIFACT_UNSIGNED', `the deployment names no TUF repository, so ${artifact.filename} cannot be verified`);
  if (!artifact.tufTarget)
    throw new AgentError('AGENT_ARTIFACT_UNSIGNED', `artifact ${artifact.filename} names no signed TUF target (was its distribution set released?)`);
  return {
    tufMetadataUrl: deployment.tuf.metadataUrl,
    tufTargetsUrl: deployment.tuf.targetsUrl,
    targetPath: artifact.tufTarget,
    ...(artifact.encryption?.header ? { header: artifact.encryption.header } : {}),
    ...(artifact.downloadUrl ? { downloadUrl: artifact.downloadUrl } : {}),
  };
}

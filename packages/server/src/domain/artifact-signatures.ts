/**
 * Reading artifact signatures and the tenant's key to check them with (Osprey's extension of the
 * management API): `openssl dgst -sha256 -verify signingkey.pem -signature file.sig file`.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ArtifactSignatureStore } from '../db/stores/artifact-signatures.js';
import { notFound } from '../errors.js';
import type { ArtifactSigning } from './signatures.js';

export class SignatureService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly signing: ArtifactSigning,
  ) {}

  /** The artifact's DER ECDSA P-256 / SHA-256 signature over its stored bytes, and its file name. */
  async ofArtifact(tenant: string, moduleId: number, artifactId: number): Promise<{ filename: string; signature: Buffer }> {
    const found = await new ArtifactSignatureStore(this.db).find(tenant, moduleId, artifactId);
    if (!found) throw notFound(`artifact ${artifactId}`);
    if (!found.signature) throw notFound(`signature of artifact ${artifactId}`);
    return { filename: found.filename, signature: Buffer.from(found.signature) };
  }

  /** The tenant's public verification key (SPKI PEM); made on first use. */
  signingPublicKeyPem(tenant: string): string {
    return this.signing.signingPublicKeyPem(tenant);
  }
}

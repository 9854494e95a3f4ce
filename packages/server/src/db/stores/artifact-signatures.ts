/**
 * The detached signature stored with each artifact (domain/signatures.ts computes it while the
 * upload streams). Read by module and artifact id together, inside the tenant: an artifact of
 * another module — or another tenant — is not found.
 */
import type { Db } from './common.js';

export class ArtifactSignatureStore {
  constructor(private readonly db: Db) {}

  async find(tenant: string, moduleId: number, artifactId: number): Promise<{ filename: string; signature: Buffer | null } | undefined> {
    return this.db
      .selectFrom('artifacts')
      .select(['filename', 'signature'])
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .where('id', '=', artifactId)
      .executeTakeFirst();
  }
}

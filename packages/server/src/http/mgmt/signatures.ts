/**
 * Detached artifact signatures (Osprey extension of the management API): an artifact's DER
 * ECDSA P-256 / SHA-256 signature over its stored bytes, and the tenant's public key to check it
 * with — `openssl dgst -sha256 -verify signingkey.pem -signature file.sig file`.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

export async function registerSignatureRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  const { db, service, idOf } = context;

  app.get('/softwaremodules/:id/artifacts/:artifactId/signature', { preHandler: requires('READ_SOFTWARE_MODULE_ARTIFACT') }, async (request, reply) => {
    const p = principalOf(request);
    const { id, artifactId } = request.params as { id: string; artifactId: string };
    const a = await db
      .selectFrom('artifacts')
      .select(['filename', 'signature'])
      .where('tenant', '=', p.tenant)
      .where('module_id', '=', idOf(id, 'software module'))
      .where('id', '=', idOf(artifactId, 'artifact'))
      .executeTakeFirst();
    if (!a) throw notFound(`artifact ${artifactId}`);
    if (!a.signature) throw notFound(`signature of artifact ${artifactId}`);
    return reply
      .type('application/octet-stream')
      .header('Content-Disposition', `attachment;filename=${encodeURIComponent(`${a.filename}.sig`)}`)
      .send(Buffer.from(a.signature));
  });

  app.get('/system/signingkey', { preHandler: requires('READ_SOFTWARE_MODULE') }, async (request, reply) => {
    return reply.type('application/x-pem-file').send(service.signingPublicKeyPem(principalOf(request).tenant));
  });
}

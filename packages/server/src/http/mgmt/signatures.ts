/**
 * Detached artifact signatures (Osprey extension of the management API): an artifact's DER
 * ECDSA P-256 / SHA-256 signature over its stored bytes, and the tenant's public key to check it
 * with — `openssl dgst -sha256 -verify signingkey.pem -signature file.sig file`.
 */
import { z } from 'zod';
import { binary, entityId, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

export async function registerSignatureRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { signatures } = context;

  app.get(
    '/softwaremodules/:id/artifacts/:artifactId/signature',
    {
      preValidation: requires('READ_SOFTWARE_MODULE_ARTIFACT'),
      schema: {
        params: z.object({ id: entityId('software module'), artifactId: entityId('artifact') }),
        response: { 200: binary('the DER-encoded ECDSA P-256 signature (SHA-256) over the stored bytes') },
      },
    },
    async (request, reply) => {
      const { filename, signature } = await signatures.ofArtifact(principalOf(request).tenant, request.params.id, request.params.artifactId);
      return reply
        .type('application/octet-stream')
        .header('Content-Disposition', `attachment;filename=${encodeURIComponent(`${filename}.sig`)}`)
        .send(signature);
    },
  );

  app.get(
    '/system/signingkey',
    {
      preValidation: requires('READ_SOFTWARE_MODULE'),
      schema: { response: { 200: binary("the tenant's artifact signing public key (SPKI PEM)", 'application/x-pem-file') } },
    },
    async (request, reply) => reply.type('application/x-pem-file').send(signatures.signingPublicKeyPem(principalOf(request).tenant)),
  );
}

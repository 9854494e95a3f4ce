/**
 * A tenant's TUF repository, read-only, in the layout tuf-js expects:
 *   /{tenant}/tuf/metadata/{N.root.json | V.snapshot.json | V.targets.json | timestamp.json}
 *   /{tenant}/tuf/targets/{sha256}.{target path}
 * Metadata is public by design (it is signed). Target files are served only when encrypted: a
 * plaintext image is downloaded through DDI, where the device authenticates.
 *
 * Metadata is sent as the stored bytes, never re-serialised: snapshot and timestamp pin the
 * length and hash of exactly these bytes, and clients verify signatures over them.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BlobStore } from '../blob/store.js';
import { PUBLIC_METADATA_NAME, type TufRepositoryService } from '../domain/tuf/repository.js';
import { notFound } from '../errors.js';
import { binary, pathText, type TypedApp } from './schema.js';

const TARGET_NAME = /^([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._+~-]{0,254})$/;

// A custom refinement on a path parameter is a 400 with exactly this message (http/schema.ts).
const tenant = pathText('tenant', 64);
const metadataParams = z.object({
  tenant,
  name: z.string().refine((name) => PUBLIC_METADATA_NAME.test(name), { error: 'not a TUF metadata file name' }),
});
const targetParams = z.object({
  tenant,
  name: z.string().refine((name) => TARGET_NAME.test(name), { error: 'TUF targets are named <sha256>.<path>' }),
});

export async function tufPlugin(app: FastifyInstance, options: { repository: TufRepositoryService; blobs: BlobStore }): Promise<void> {
  const typed: TypedApp = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/metadata/:name',
    { schema: { params: metadataParams, response: { 200: binary('TUF metadata, the bytes as signed', 'application/json') } } },
    async (request, reply) => {
      const { tenant, name } = request.params;
      const bytes = await options.repository.publicMetadata(tenant, name);
      if (!bytes) throw notFound(`TUF metadata ${name}`);
      // timestamp.json changes; versioned files never do.
      reply.header('Cache-Control', name === 'timestamp.json' || !/^\d/.test(name) ? 'no-cache' : 'public, max-age=31536000, immutable');
      return reply.type('application/json').send(bytes);
    },
  );

  typed.get(
    '/targets/:name',
    { schema: { params: targetParams, response: { 200: binary('an encrypted TUF target (age payload), named <sha256>.<path> (consistent snapshots)') } } },
    async (request, reply) => {
      const [, sha256, path] = TARGET_NAME.exec(request.params.name)!;
      const target = await options.repository.publicTarget(request.params.tenant, sha256!, path!);
      if (!target) throw notFound(`TUF target ${path}`);
      reply.type('application/octet-stream').header('Content-Length', target.size).header('Cache-Control', 'public, max-age=31536000, immutable');
      return reply.send(options.blobs.get(target.sha256));
    },
  );
}

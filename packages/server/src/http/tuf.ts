/**
 * A tenant's TUF repository, read-only, in the layout tuf-js expects:
 *   /{tenant}/tuf/metadata/{N.root.json | V.snapshot.json | V.targets.json | timestamp.json}
 *   /{tenant}/tuf/targets/{sha256}.{target path}
 * Metadata is public by design (it is signed). Target files are served only when encrypted: a
 * plaintext image is downloaded through DDI, where the device authenticates.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/store.js';
import type { Database } from '../db/schema.js';
import { badRequest, notFound } from '../errors.js';

const METADATA_NAME = /^(?:\d{1,10}\.(?:root|snapshot|targets)|timestamp|root|snapshot|targets)\.json$/;
const TARGET_NAME = /^([0-9a-f]{64})\.([A-Za-z0-9][A-Za-z0-9._+~-]{0,254})$/;

export async function tufPlugin(app: FastifyInstance, options: { db: Kysely<Database>; blobs: BlobStore }): Promise<void> {
  app.get('/metadata/:name', async (request, reply) => {
    const { tenant, name } = request.params as { tenant: string; name: string };
    if (!METADATA_NAME.test(name)) throw badRequest('not a TUF metadata file name');
    const row = await options.db.selectFrom('tuf_files').select('bytes').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`TUF metadata ${name}`);
    // timestamp.json changes; versioned files never do.
    reply.header('Cache-Control', name === 'timestamp.json' || !/^\d/.test(name) ? 'no-cache' : 'public, max-age=31536000, immutable');
    return reply.type('application/json').send(row.bytes);
  });

  app.get('/targets/:name', async (request, reply) => {
    const { tenant, name } = request.params as { tenant: string; name: string };
    const match = TARGET_NAME.exec(name);
    if (!match) throw badRequest('TUF targets are named <sha256>.<path>');
    const [, sha256, path] = match;
    const row = await options.db
      .selectFrom('artifacts')
      .select(['size', 'sha256'])
      .where('tenant', '=', tenant)
      .where('sha256', '=', sha256!)
      .where('tuf_target', '=', path!)
      .where('escrow_header', 'is not', null)
      .executeTakeFirst();
    if (!row) throw notFound(`TUF target ${path}`);
    reply.type('application/octet-stream').header('Content-Length', Number(row.size)).header('Cache-Control', 'public, max-age=31536000, immutable');
    return reply.send(options.blobs.get(row.sha256));
  });
}

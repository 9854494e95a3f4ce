/**
 * Software modules and artifacts (hawkBit `/rest/v1/softwaremodules`, shared/reference/
 * hawkbit-api.md §2.2): CRUD, artifact lists, downloads (the stored bytes: ciphertext for an
 * encrypted artifact) and streamed multipart uploads. The upload handler only turns the
 * multipart parts into the service's form parts (fields validated by the form schema) and a
 * malformed or unfinished body into a 400; the service reads the form and decides.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UPLOAD_FIELDS, type UploadField, type UploadPart } from '../../domain/software-module-service.js';
import { ServerError, badRequest } from '../../errors.js';
import { binary, entityId, listQuery, noContent, pageOf, parseWith, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { artifactJson, artifactReply, moduleJson, moduleReply, page } from './mappers.js';
import { freeText, line } from './text.js';

const newModules = z
  .array(
    z.strictObject({
      name: line(128),
      version: line(64),
      type: line(64).describe('a software module type key, e.g. os, application, runtime'),
      description: freeText(512).optional(),
      vendor: line(256, 0).optional(),
      encrypted: z.boolean().optional().describe('store its artifacts age-encrypted (only ciphertext at rest and on the wire)'),
    }),
  )
  .min(1)
  .max(500);

const hash = (algorithm: string) => line(128).optional().describe(`${algorithm} of the file as sent (hex); a mismatch is a 400 that stores nothing`);
/** The upload form, in this order: the optional fields, then the file. Documented; the handler streams the parts. */
const uploadForm = z.strictObject({
  filename: line(255).optional().describe("the artifact's file name (default: the file part's own)"),
  md5sum: hash('MD5'),
  sha1sum: hash('SHA-1'),
  sha256sum: hash('SHA-256'),
  file: z.string().meta({ format: 'binary', description: 'the artifact, after the fields (streamed, never buffered)' }),
});
const FIELD_SCHEMAS: Record<UploadField, z.ZodType<string | undefined>> = {
  filename: uploadForm.shape.filename,
  md5sum: uploadForm.shape.md5sum,
  sha1sum: uploadForm.shape.sha1sum,
  sha256sum: uploadForm.shape.sha256sum,
};
const isUploadField = (name: string): name is UploadField => (UPLOAD_FIELDS as readonly string[]).includes(name);

const moduleParams = z.object({ id: entityId('software module') });
const artifactParams = moduleParams.extend({ artifactId: entityId('artifact') });

/**
 * A failure of the multipart parser — a body that ends before its closing boundary, a malformed
 * part, too many parts or fields — is the client's: a 400, never a 500.
 */
/** What @fastify/busboy (dicer) says when a multipart body ends or breaks before its closing boundary. */
const MULTIPART_PARSER_MESSAGE = /Unexpected end of (multipart data|form)|Part terminated early|Malformed part header|Multipart: Boundary not found/i;
const isMultipartParserError = (e: unknown) => e instanceof Error && !(e instanceof ServerError) && MULTIPART_PARSER_MESSAGE.test(e.message);

/** File-system failures of our own storage that the upload pipeline passes back into the request's streams. */
const STORAGE_FAILURE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);

function malformed(cause: unknown): ServerError | Error {
  if (cause instanceof ServerError) return cause;
  // Not the client's body: our disk failed (answered 507/500 by the error handler).
  if (STORAGE_FAILURE.has(String((cause as { code?: unknown } | null)?.code))) return cause as Error;
  if ((cause as { code?: unknown } | null)?.code === 'FST_FILES_LIMIT') return new ServerError('BAD_REQUEST', 'upload one file per request', { cause });
  return new ServerError('BAD_REQUEST', `the multipart body cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

/**
 * The multipart parts of an upload as the service's form parts, each field checked by the form
 * schema. A parser failure while the service reads the file's bytes surfaces there; the file
 * stream's error is kept in `state.failed` so the handler can answer it as the client's.
 */
async function* formOf(request: FastifyRequest, state: { failed?: Error }): AsyncGenerator<UploadPart> {
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!isUploadField(part.fieldname)) throw badRequest(`unknown form field ${part.fieldname}`);
        if (part.valueTruncated) throw badRequest(`form field ${part.fieldname} is too long`);
        yield { kind: 'field', name: part.fieldname, value: parseWith(FIELD_SCHEMAS[part.fieldname], String(part.value))! };
        continue;
      }
      part.file.once('error', (e) => (state.failed ??= malformed(e)));
      yield { kind: 'file', name: part.fieldname, filename: part.filename || undefined, stream: part.file };
    }
  } catch (e) {
    // Only the parser's errors and our own arrive here: the service's errors end the loop by return().
    throw malformed(e);
  }
}

export async function registerSoftwareModuleRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { modules } = context;

  app.get(
    '/softwaremodules',
    { preValidation: requires('READ_SOFTWARE_MODULE'), schema: { querystring: listQuery, response: { 200: pageOf(moduleReply) } } },
    async (request) => {
      const { rows, total } = await modules.page(principalOf(request).tenant, request.query);
      return page(
        rows.map((m) => moduleJson(context.base(request), m)),
        total,
      );
    },
  );

  app.post(
    '/softwaremodules',
    { preValidation: requires('CREATE_SOFTWARE_MODULE'), schema: { body: newModules, response: { 201: z.array(moduleReply) } } },
    async (request, reply) => {
      const rows = await modules.create(principalOf(request), request.body);
      return reply.status(201).send(rows.map((m) => moduleJson(context.base(request), m)));
    },
  );

  app.get(
    '/softwaremodules/:id',
    { preValidation: requires('READ_SOFTWARE_MODULE'), schema: { params: moduleParams, response: { 200: moduleReply } } },
    async (request) => moduleJson(context.base(request), await modules.get(principalOf(request).tenant, request.params.id)),
  );

  app.delete(
    '/softwaremodules/:id',
    { preValidation: requires('DELETE_SOFTWARE_MODULE'), schema: { params: moduleParams, response: { 204: noContent } } },
    async (request, reply) => {
      await modules.delete(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/softwaremodules/:id/artifacts',
    { preValidation: requires('READ_SOFTWARE_MODULE'), schema: { params: moduleParams, response: { 200: z.array(artifactReply) } } },
    async (request) => (await modules.artifacts(principalOf(request).tenant, request.params.id)).map((a) => artifactJson(context.base(request), a)),
  );

  app.get(
    '/softwaremodules/:id/artifacts/:artifactId',
    { preValidation: requires('READ_SOFTWARE_MODULE'), schema: { params: artifactParams, response: { 200: artifactReply } } },
    async (request) => artifactJson(context.base(request), await modules.artifact(principalOf(request).tenant, request.params.id, request.params.artifactId)),
  );

  app.delete(
    '/softwaremodules/:id/artifacts/:artifactId',
    { preValidation: requires('DELETE_SOFTWARE_MODULE'), schema: { params: artifactParams, response: { 204: noContent } } },
    async (request, reply) => {
      await modules.deleteArtifact(principalOf(request), request.params.id, request.params.artifactId);
      return reply.status(204).send(null);
    },
  );

  // Management downloads of an encrypted artifact return ciphertext: the server never hands out plaintext.
  app.get(
    '/softwaremodules/:id/artifacts/:artifactId/download',
    {
      preValidation: requires('READ_SOFTWARE_MODULE_ARTIFACT'),
      schema: { params: artifactParams, response: { 200: binary('the stored bytes (for an encrypted artifact: the age payload)') } },
    },
    async (request, reply) => {
      const { artifact, body } = await modules.download(principalOf(request).tenant, request.params.id, request.params.artifactId);
      reply
        .type('application/octet-stream')
        .header('Content-Length', Number(artifact.size))
        .header('Content-Disposition', `attachment;filename=${encodeURIComponent(artifact.filename)}`)
        .header('ETag', `"${artifact.sha1}"`);
      return reply.send(body);
    },
  );

  // Upload: multipart, the optional fields first, then the part `file`, streamed (never buffered).
  app.post(
    '/softwaremodules/:id/artifacts',
    { preValidation: requires('CREATE_SOFTWARE_MODULE'), schema: { params: moduleParams, 'x-multipart': uploadForm, response: { 201: artifactReply } } },
    async (request, reply) => {
      if (!request.isMultipart()) throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'upload the artifact as multipart/form-data with a part named "file"');
      const state: { failed?: Error } = {};
      let row;
      try {
        row = await modules.upload(principalOf(request), request.params.id, formOf(request, state));
      } catch (e) {
        // The file's bytes failed because the body did (it ended early, a part was malformed): the
        // client's error. Which of the file stream's 'error' event and the store's rejection comes
        // first differs between Node versions, so the parser's own errors are recognised too.
        // The size limit is the exception: the store's refusal ends the file stream early itself
        // (with a premature close), so a 413 stays a 413 however slowly the body arrives.
        if (e instanceof ServerError && e.code === 'PAYLOAD_TOO_LARGE') throw e;
        throw state.failed ?? (isMultipartParserError(e) ? malformed(e) : e);
      }
      return reply.status(201).send(artifactJson(context.base(request), row));
    },
  );
}

/**
 * Artifact downloads for devices (hawkBit DDI §1.8): GET and HEAD of
 * `softwaremodules/{moduleId}/artifacts/{fileName}`, streamed from the blob store, with
 * ETag = "<sha1>", Range (one → 206, several → multipart/byteranges, unsatisfiable → 416),
 * If-Range, If-Match, If-None-Match, `<file>.MD5SUM`, and (Osprey) `<file>.sig`, the detached
 * signature for `openssl dgst -sha256 -verify`. Only artifacts of the device's own active or
 * finished actions are visible (404 otherwise, as hawkBit); which file a name designates is the
 * domain's answer, the range plan is ranges.ts's.
 */
import { Readable } from 'node:stream';
import type { BlobStore } from '../blob/store.js';
import type { DdiService } from '../domain/ddi.js';
import type { ArtifactIntegrity } from '../domain/integrity.js';
import { ServerError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import { deviceOf } from './ddi-auth.js';
import { artifactBytes, empty, fileParams } from './ddi-schemas.js';
import { downloadHook } from './metrics.js';
import { MULTIPART_BOUNDARY, multipartLayout, planDownload } from './ranges.js';
import type { TypedApp } from './schema.js';

const OCTETS = 'application/octet-stream';
const disposition = (name: string) => `attachment;filename=${encodeURIComponent(name)}`;
/** A header sent more than once counts by its first value. */
const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function registerDownloadRoutes(app: TypedApp, ddi: DdiService, blobs: BlobStore, integrity: ArtifactIntegrity, metrics: ServerMetrics): void {
  app.route({
    method: ['GET', 'HEAD'],
    // Downloads and bytes sent, counted as the response leaves (http/metrics.ts).
    onSend: downloadHook(metrics),
    url: '/softwaremodules/:moduleId/artifacts/:fileName',
    schema: {
      params: fileParams,
      response: {
        200: artifactBytes,
        206: artifactBytes,
        304: empty,
      },
    },
    handler: async (request, reply) => {
      const d = deviceOf(request);
      const { kind, artifact, actionId } = await ddi.deployments.download(d.target, request.params.moduleId, request.params.fileName);
      if (kind === 'md5sum') {
        return reply
          .type('text/plain')
          .header('Content-Disposition', disposition(`${artifact.filename}.MD5SUM`))
          .send(`${artifact.md5}  ${artifact.filename}`);
      }
      if (kind === 'signature') {
        return reply
          .type(OCTETS)
          .header('Content-Disposition', disposition(`${artifact.filename}.sig`))
          .send(Buffer.from(artifact.signature!));
      }
      await integrity.assertServable(d.target.tenant, artifact, 'device download');
      const size = artifact.size;
      const etag = `"${artifact.sha1}"`;
      reply
        .header('ETag', etag)
        .header('Accept-Ranges', 'bytes')
        .header('Last-Modified', artifact.createdAt.toUTCString())
        .header('Content-Disposition', disposition(artifact.filename))
        .header('X-Content-Type-Options', 'nosniff');
      const plan = planDownload(
        {
          method: request.method,
          range: request.headers.range,
          ifRange: single(request.headers['if-range']),
          ifMatch: request.headers['if-match'],
          ifNoneMatch: request.headers['if-none-match'],
        },
        size,
        etag,
        artifact.createdAt,
      );
      switch (plan.kind) {
        case 'precondition-failed':
          throw new ServerError('PRECONDITION_FAILED', 'If-Match does not match the artifact');
        case 'not-modified':
          return reply.status(304).send(undefined);
        case 'unsatisfiable':
          reply.header('Content-Range', `bytes */${size}`);
          throw new ServerError('RANGE_NOT_SATISFIABLE', `the requested range is outside the artifact (${size} bytes)`);
        case 'single':
          reply
            .status(206)
            .type(OCTETS)
            .header('Content-Range', `bytes ${plan.start}-${plan.end}/${size}`)
            .header('Content-Length', plan.end - plan.start + 1);
          return reply.send(blobs.get(artifact.sha256, plan));
        case 'multi': {
          const { parts, tail, length } = multipartLayout(plan.ranges, size, OCTETS);
          reply.status(206).type(`multipart/byteranges; boundary=${MULTIPART_BOUNDARY}`).header('Content-Length', length);
          async function* body() {
            for (const part of parts) {
              yield part.head;
              for await (const chunk of blobs.get(artifact.sha256, part)) yield chunk as Buffer;
              yield Buffer.from('\r\n');
            }
            yield tail;
          }
          return reply.send(Readable.from(body()));
        }
        case 'full':
          reply.status(200).type(OCTETS).header('Content-Length', size);
          if (request.method === 'HEAD') return reply.send(undefined);
          // A full download is recorded; range requests are not (they would eat the status quota, #1249).
          if (actionId !== undefined) await ddi.deployments.recordDownload(d.target, actionId, request.url);
          return reply.send(integrity.verifiedStream(d.target.tenant, artifact, 'device download'));
      }
    },
  });
}

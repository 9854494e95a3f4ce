/**
 * The DDI wire contract as zod schemas (hawkBit DDI API; shared/reference/hawkbit-api.md §1):
 * path parameters, query strings, request bodies and replies of every route under
 * `/{tenant}/controller/v1/{controllerId}`. Replies list exactly the fields hawkBit sends (and
 * Osprey's additive `osprey` fields, which hawkBit clients ignore), in hawkBit's order.
 *
 * Request bodies are not strict: SWUpdate sends legacy fields (`id`, `time`, a `status` in
 * configData) that hawkBit ignores, so they are ignored here too. Text that is stored must be
 * storable (`storableText`: no NUL, no lone surrogate), numbers stored in int4 columns are int32.
 */
import { z } from 'zod';
import { ACTION_STATUSES, storableText } from '@osprey/protocol';
import { binary, entityId, noContent, pathText } from './schema.js';

/** Tenant and controllerId: what hawkBit allows in a path segment, 1–256 characters. */
export const DEVICE_NAME = /^[A-Za-z0-9_.:@+-]{1,256}$/;

export const deviceParams = z.object({
  tenant: z.string().regex(DEVICE_NAME, { error: 'invalid tenant name' }),
  controllerId: z.string().regex(DEVICE_NAME, { error: 'invalid controllerId: use 1–256 letters, digits or _ . : @ + -' }),
});
export const actionParams = deviceParams.extend({ actionId: entityId('action') });
export const moduleParams = deviceParams.extend({ moduleId: entityId('software module') });
export const fileParams = moduleParams.extend({ fileName: pathText('artifact file name', 512) });

/** `?actionHistory=N` (newest N status rows' messages; -1 all) and hawkBit's `?c=` cache-buster, which is ignored. */
export const deploymentQuery = z.object({
  actionHistory: z
    .string()
    .regex(/^-?\d{1,6}$/, { error: 'actionHistory must be a whole number' })
    .transform(Number)
    .optional(),
  c: z.string().max(32).optional(),
});

// --- request bodies ----------------------------------------------------------------------

export const configDataBody = z.object({
  mode: z.enum(['merge', 'replace', 'remove']).optional(),
  data: z.record(storableText(128).min(1), storableText(128)),
});
export const installedBaseBody = z.object({ name: storableText(128).min(1), version: storableText(64).min(1) });
export const confirmationFeedbackBody = z.object({
  confirmation: z.enum(['confirmed', 'denied']),
  code: z.int32().optional(),
  // As deployment feedback: any length, split into 512-character parts, at most 50 parts (429).
  details: z.array(storableText()).optional(),
});
export const autoConfirmBody = z.object({ initiator: storableText(64).optional(), remark: storableText(512).optional() }).nullish();
export const publicKeyBody = z.object({ publicKey: storableText(8192).min(10) });

// --- replies -----------------------------------------------------------------------------

const href = z.object({ href: z.string() });

export const pollReply = z
  .object({
    config: z.object({ polling: z.object({ sleep: z.string().describe('HH:MM:SS until the next poll') }) }),
    _links: z
      .object({
        cancelAction: href,
        confirmationBase: href,
        deploymentBase: href,
        installedBase: href,
        configData: href,
      })
      .partial()
      .optional(),
  })
  .describe('when to poll next, and the resources to follow');

export const artifactReply = z.object({
  filename: z.string(),
  hashes: z.object({ sha1: z.string(), md5: z.string(), sha256: z.string() }),
  size: z.number().int(),
  _links: z.object({
    download: href.optional().describe('hawkBit: the https download link (direct downloads from storage over TLS)'),
    'download-http': href,
    'md5sum-http': href,
    'signature-http': href.optional().describe('Osprey: detached signature'),
  }),
  osprey: z
    .object({
      tufTarget: z.string().optional().describe('the TUF target that signs this artifact'),
      encryption: z.object({ format: z.literal('age-v1'), header: z.string().optional().describe("base64 of this device's age header") }).optional(),
    })
    .optional()
    .describe('Osprey extension; hawkBit clients ignore it'),
});

const chunk = z.object({
  part: z.string(),
  version: z.string(),
  name: z.string(),
  artifacts: z.array(artifactReply),
  encrypted: z.literal(true).optional(),
  metadata: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
});

const instructions = z.object({
  download: z.enum(['forced', 'attempt', 'skip']),
  update: z.enum(['forced', 'attempt', 'skip']),
  maintenanceWindow: z.enum(['available', 'unavailable']).optional(),
  chunks: z.array(chunk),
});

const deploymentExtras = {
  actionHistory: z.object({ status: z.enum(ACTION_STATUSES), messages: z.array(z.string()) }).optional(),
  osprey: z
    .object({ tuf: z.object({ metadata: z.string(), targets: z.string() }) })
    .optional()
    .describe("Osprey extension: the tenant's TUF repository"),
};

/** deploymentBase/{id} and installedBase/{id}. */
export const deploymentReply = z
  .object({ id: z.string(), deployment: instructions, ...deploymentExtras })
  .describe('the deployment: what to download and install, and how');
/** confirmationBase/{id}: the same content under `confirmation`. */
export const confirmationReply = z
  .object({ id: z.string(), confirmation: instructions, ...deploymentExtras })
  .describe('the deployment waiting for the device to consent');

export const cancelActionReply = z.object({ id: z.string(), cancelAction: z.object({ stopId: z.string() }) }).describe('the action to stop');

export const confirmationStateReply = z
  .object({
    autoConfirm: z.object({
      active: z.boolean(),
      initiator: z.string().optional(),
      remark: z.string().optional(),
      activatedAt: z.number().int().optional(),
    }),
    _links: z.object({ activateAutoConfirm: href, deactivateAutoConfirm: href, confirmationBase: href }).partial(),
  })
  .describe('auto-confirm state and the action waiting for consent');

export const moduleArtifactsReply = z.array(artifactReply).describe("the module's artifacts with their download links");

/**
 * No body: hawkBit answers feedback, configData and the like with an empty 200 (or 201). Sent as
 * `send(undefined)`, which writes nothing; `null` would be serialised to the four bytes `null`.
 */
export const empty = noContent.optional();

/** A download: the artifact (206: the requested range, several as multipart/byteranges); for `<file>.MD5SUM` its md5sum line; for `<file>.sig` (Osprey) its detached signature. */
export const artifactBytes = binary(
  'the artifact (206: the requested range, several as multipart/byteranges); for <file>.MD5SUM the line md5sum prints (text/plain); for <file>.sig (Osprey) the detached signature for openssl dgst -sha256 -verify',
);

export type PollReply = z.infer<typeof pollReply>;
export type ArtifactReply = z.infer<typeof artifactReply>;
export type DeploymentReply = z.infer<typeof deploymentReply>;
export type ConfirmationReply = z.infer<typeof confirmationReply>;
export type ConfirmationStateReply = z.infer<typeof confirmationStateReply>;

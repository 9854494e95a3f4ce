/**
 * What the agent reads from the DDI API (hawkBit DDI; shared/reference/hawkbit-api.md §1), with
 * Osprey's additive `osprey` fields. Validated with zod; unknown fields are dropped, so newer
 * servers may add fields freely.
 */
import { z } from 'zod';

const link = z.object({ href: z.string().min(1).max(4096) });
const instruction = z.enum(['skip', 'attempt', 'forced']);

export const ddiRootSchema = z.object({
  config: z.object({ polling: z.object({ sleep: z.string().max(16) }) }),
  _links: z.record(z.string(), link).optional(),
});

export const ddiArtifactSchema = z.object({
  filename: z.string().min(1).max(256),
  hashes: z.object({
    sha1: z.string().max(64).optional(),
    md5: z.string().max(64).optional(),
    sha256: z.string().max(64).optional(),
  }),
  size: z.number().int().nonnegative(),
  _links: z.record(z.string(), link).optional(),
  osprey: z
    .object({
      tufTarget: z.string().min(1).max(255).optional(),
      encryption: z
        .object({
          format: z.string().max(32),
          header: z
            .string()
            .max(1024 * 1024)
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export const ddiChunkSchema = z.object({
  part: z.string().max(256),
  version: z.string().max(256),
  name: z.string().max(256),
  encrypted: z.boolean().optional(),
  metadata: z.array(z.object({ key: z.string().max(256), value: z.string().max(4096) })).optional(),
  artifacts: z.array(ddiArtifactSchema).max(1000).default([]),
});

export const ddiDeploymentSchema = z.object({
  id: z.string().regex(/^\d{1,15}$/),
  deployment: z.object({
    download: instruction,
    update: instruction,
    maintenanceWindow: z.enum(['available', 'unavailable']).optional(),
    chunks: z.array(ddiChunkSchema).max(1000),
  }),
  actionHistory: z.object({ status: z.string().max(64), messages: z.array(z.string()) }).optional(),
  osprey: z.object({ tuf: z.object({ metadata: z.string().min(1).max(4096), targets: z.string().min(1).max(4096) }).optional() }).optional(),
});

export const ddiCancelSchema = z.object({
  id: z.string().regex(/^\d{1,15}$/),
  cancelAction: z.object({ stopId: z.string().regex(/^\d{1,15}$/) }),
});

export type DdiInstruction = z.infer<typeof instruction>;

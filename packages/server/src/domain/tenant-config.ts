/**
 * Per-tenant configuration, under hawkBit's key names where hawkBit has one, with Osprey's
 * secure defaults: devices authenticate with a TargetToken unless the tenant enables more.
 */
import { z } from 'zod';

const duration = z.string().regex(/^\d{2}:[0-5]\d:[0-5]\d$/, 'must be HH:MM:SS');

export const tenantConfigSchema = z.object({
  pollingTime: duration.default('00:05:00'),
  /** hawkBit's grace after the polling time: a device silent for longer than both is overdue. */
  pollingOverdueTime: duration.default('00:05:00'),
  'authentication.targettoken.enabled': z.boolean().default(true),
  'authentication.gatewaytoken.enabled': z.boolean().default(false),
  'authentication.gatewaytoken.key': z.string().default(''),
  /** Reverse proxy terminating mTLS: trusts X-Controller-Id / X-Authority from configured proxies. */
  'authentication.header.enabled': z.boolean().default(false),
  /** Issuer hashes the proxy may report (comma or semicolon separated). */
  'authentication.header.authority': z.string().default(''),
  /** Direct mTLS: client certificate CN = controllerId, issued by one of these CAs (PEM). */
  'authentication.mtls.enabled': z.boolean().default(false),
  'authentication.mtls.trustedCAs': z.string().default(''),
  /** Create unknown targets on first authenticated poll (gateway token, certificates). */
  'target.autoregister.enabled': z.boolean().default(true),
  /** Let a device register its own public key at first contact. */
  'device.publickey.selfregister.enabled': z.boolean().default(false),
  'user.confirmation.flow.enabled': z.boolean().default(false),
  maintenanceWindowPollCount: z.int().min(1).default(3),
  /** Four-eyes for rollouts: a new rollout waits for approval by someone other than its creator. */
  'rollout.approval.enabled': z.boolean().default(false),
  /** The targets key is offline: a release waits as unsigned targets metadata until the key's holder signs and uploads it. */
  'tuf.targets.offline': z.boolean().default(false),
  /** Four-eyes release: a release is requested, then approved by a second user with APPROVE_RELEASE. */
  'release.approval.enabled': z.boolean().default(false),
});

export type TenantConfig = z.infer<typeof tenantConfigSchema>;

export function parseTenantConfig(raw: unknown): TenantConfig {
  return tenantConfigSchema.parse(raw ?? {});
}

export function durationToSeconds(hms: string): number {
  const [h, m, s] = hms.split(':').map(Number) as [number, number, number];
  return h * 3600 + m * 60 + s;
}

export function secondsToDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

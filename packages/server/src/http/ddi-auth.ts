/**
 * Device authentication for DDI (hawkBit §1.9), each mode switched per tenant:
 *   - `Authorization: TargetToken <token>`: the target's own token; the target must exist.
 *   - `Authorization: GatewayToken <key>`: the tenant's gateway key; acts for any controllerId.
 *   - mTLS on Osprey's own HTTPS listener: certificate CN = controllerId, issued by a tenant CA.
 *   - mTLS terminated by a reverse proxy: X-Controller-Id and X-Authority headers, trusted only
 *     from configured proxy addresses.
 * No valid credential → 401. A credential for another controllerId is never accepted.
 */
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { DeviceTarget } from '../domain/ddi.js';
import type { DeviceService } from '../domain/ddi/devices.js';
import type { TenantConfig } from '../domain/tenant-config.js';
import { ServerError } from '../errors.js';

export interface DeviceIdentity {
  tenant: string;
  target: DeviceTarget;
  config: TenantConfig;
  method: 'targettoken' | 'gatewaytoken' | 'mtls' | 'header';
}

/** The authenticated device of a request (set by the DDI plugin's preValidation hook). */
export function deviceOf(request: FastifyRequest): DeviceIdentity {
  const device = (request as FastifyRequest & { device?: DeviceIdentity | null }).device;
  if (!device) throw new ServerError('UNAUTHORIZED', 'authentication required');
  return device;
}

function secretEquals(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length > 0;
}

const unauthorized = (why: string) => new ServerError('UNAUTHORIZED', `authentication required: ${why}`);

function parseCas(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function commonName(cert: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
}

/** A client certificate verified against the tenant's CAs, with CN = controllerId. */
function certificateIdentity(request: FastifyRequest, controllerId: string, config: TenantConfig, now: Date): 'ok' | 'absent' | string {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate !== 'function') return 'absent';
  const cert = socket.getPeerX509Certificate();
  if (!cert) return 'absent';
  const at = now.getTime();
  if (at < Date.parse(cert.validFrom) || at > Date.parse(cert.validTo)) return 'client certificate is not valid now';
  const trusted = parseCas(config['authentication.mtls.trustedCAs']);
  if (!trusted.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) return 'client certificate is not issued by a CA this tenant trusts';
  if (commonName(cert) !== controllerId) return 'client certificate is for another controllerId';
  return 'ok';
}

function headerValues(request: FastifyRequest, name: string): string[] {
  const out: string[] = [];
  const add = (v: string | string[] | undefined) => {
    for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v])
      out.push(
        ...item
          .split(/[;,]/)
          .map((s) => s.trim())
          .filter(Boolean),
      );
  };
  add(request.headers[name]);
  for (let i = 0; i < 16; i++) add(request.headers[`${name}-${i}`]);
  return out;
}

export async function authenticateDevice(
  request: FastifyRequest,
  devices: DeviceService,
  device: { tenant: string; controllerId: string; now: Date },
  trustedProxies: readonly string[],
): Promise<DeviceIdentity> {
  const { tenant, controllerId } = device;
  const { config, target: known } = await devices.load(tenant, controllerId);
  // An unknown tenant looks exactly like bad credentials: tenant names are not disclosed.
  if (!config) throw unauthorized('unknown tenant or credentials');
  const authorization = request.headers.authorization ?? '';
  const [scheme, ...rest] = authorization.trim().split(/\s+/);
  const credential = rest.join(' ');

  if (scheme === 'TargetToken') {
    if (!config['authentication.targettoken.enabled']) throw unauthorized('target tokens are disabled for this tenant');
    if (!known?.securityToken || !secretEquals(credential, known.securityToken)) throw unauthorized('invalid target token');
    return { tenant, target: known, config, method: 'targettoken' };
  }
  if (scheme === 'GatewayToken') {
    if (!config['authentication.gatewaytoken.enabled']) throw unauthorized('gateway tokens are disabled for this tenant');
    if (!secretEquals(credential, config['authentication.gatewaytoken.key'])) throw unauthorized('invalid gateway token');
    return { tenant, target: known ?? (await register(devices, tenant, controllerId, config)), config, method: 'gatewaytoken' };
  }
  if (config['authentication.mtls.enabled']) {
    const verdict = certificateIdentity(request, controllerId, config, device.now);
    if (verdict === 'ok') return { tenant, target: known ?? (await register(devices, tenant, controllerId, config)), config, method: 'mtls' };
    if (verdict !== 'absent') throw unauthorized(verdict);
  }
  if (config['authentication.header.enabled'] && trustedProxies.includes(request.raw.socket.remoteAddress ?? '')) {
    const claimed = request.headers['x-controller-id'];
    if (claimed !== undefined) {
      if (claimed !== controllerId) throw unauthorized('the certificate is for another controllerId');
      const allowed = config['authentication.header.authority']
        .split(/[;,]/)
        .map((s) => s.trim())
        .filter(Boolean);
      if (!headerValues(request, 'x-authority').some((a) => allowed.includes(a))) throw unauthorized('the certificate issuer is not trusted by this tenant');
      return { tenant, target: known ?? (await register(devices, tenant, controllerId, config)), config, method: 'header' };
    }
  }
  throw unauthorized('send Authorization: TargetToken <token> or GatewayToken <key>, or a client certificate');
}

async function register(devices: DeviceService, tenant: string, controllerId: string, config: TenantConfig): Promise<DeviceTarget> {
  if (!config['target.autoregister.enabled']) throw unauthorized(`target ${controllerId} is not registered`);
  return devices.register(tenant, controllerId);
}

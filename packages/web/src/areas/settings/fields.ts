/**
 * The tenant configuration's keys as form fields: the input each takes (from the value the server
 * reports, so a key added on the server appears with a fitting input), its label and help, and
 * the conversion from what was typed to the value PUT /system/configs/{key} takes. Secrets (the
 * server's `*.key`) are never shown nor put into an input: they can only be replaced.
 */
export type FieldKind = 'boolean' | 'duration' | 'integer' | 'secret' | 'multiline' | 'text';

export const SECRET_SHOWN_AS = '(secret)';

const KNOWN: Record<string, { label: string; help: string; kind?: FieldKind }> = {
  pollingTime: { label: 'Polling time', help: 'How often devices ask for updates (HH:MM:SS).', kind: 'duration' },
  'authentication.targettoken.enabled': { label: 'Target token authentication', help: 'Devices authenticate with their own security token.' },
  'authentication.gatewaytoken.enabled': { label: 'Gateway token authentication', help: 'One tenant-wide key may act as any device (for gateways).' },
  'authentication.gatewaytoken.key': { label: 'Gateway token', help: 'The tenant-wide key. It is never shown; type a new one to replace it.', kind: 'secret' },
  'authentication.header.enabled': {
    label: 'Reverse-proxy certificate authentication',
    help: 'Trust the device identity a TLS-terminating proxy reports (X-Controller-Id).',
  },
  'authentication.header.authority': { label: 'Trusted proxy issuer hashes', help: 'Comma or semicolon separated.' },
  'authentication.mtls.enabled': { label: 'Direct mTLS authentication', help: 'A client certificate whose CN is the controller id, issued by a trusted CA.' },
  'authentication.mtls.trustedCAs': { label: 'Trusted CAs (PEM)', help: 'The CA certificates device certificates must chain to.', kind: 'multiline' },
  'target.autoregister.enabled': { label: 'Register unknown devices', help: 'Create a target on the first authenticated poll of an unknown device.' },
  'device.publickey.selfregister.enabled': { label: 'Devices register their own public key', help: 'At first contact.' },
  'user.confirmation.flow.enabled': { label: 'User confirmation', help: 'Devices ask their user to confirm before installing.' },
  maintenanceWindowPollCount: { label: 'Polls per maintenance window', help: 'How often a device polls within a maintenance window (at least 1).' },
  'rollout.approval.enabled': { label: 'Four-eyes approval of rollouts', help: 'A new rollout waits for approval by someone other than its creator.' },
  'tuf.targets.offline': { label: 'Offline targets key', help: 'Releases wait as unsigned metadata until the key holder signs and uploads them.' },
  'release.approval.enabled': { label: 'Four-eyes approval of releases', help: 'A release is requested, then approved by a second user with APPROVE_RELEASE.' },
};

const HMS = /^\d{2}:[0-5]\d:[0-5]\d$/;

export function fieldOf(key: string, value: unknown): { kind: FieldKind; label: string; help: string } {
  const known = KNOWN[key];
  const kind: FieldKind =
    known?.kind ??
    (key.endsWith('.key') || value === SECRET_SHOWN_AS
      ? 'secret'
      : typeof value === 'boolean'
        ? 'boolean'
        : typeof value === 'number'
          ? 'integer'
          : typeof value === 'string' && HMS.test(value)
            ? 'duration'
            : 'text');
  return { kind, label: known?.label ?? key, help: known?.help ?? '' };
}

/** What an input starts with: never a secret. */
export function draftOf(kind: FieldKind, value: unknown): string | boolean {
  if (kind === 'boolean') return value === true;
  if (kind === 'secret') return '';
  return value === undefined || value === null ? '' : String(value);
}

/** The value to send, or a message for the field when the input cannot be one. */
export function valueOf(kind: FieldKind, draft: string | boolean): { value: unknown } | { error: string } {
  switch (kind) {
    case 'boolean':
      return { value: draft === true };
    case 'duration':
      return typeof draft === 'string' && HMS.test(draft.trim()) ? { value: draft.trim() } : { error: 'Enter a duration as HH:MM:SS, e.g. 00:05:00.' };
    case 'integer': {
      const n = Number(draft);
      return typeof draft === 'string' && draft.trim() !== '' && Number.isInteger(n) ? { value: n } : { error: 'Enter a whole number.' };
    }
    case 'secret':
      return typeof draft === 'string' && draft !== '' ? { value: draft } : { error: 'Type the new value.' };
    default:
      return { value: String(draft) };
  }
}

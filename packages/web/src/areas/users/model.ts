/**
 * Users and tokens, the parts with rules: what a grant (role or permission) is offered as, when
 * a token expires in words, and the checks the server makes on a new user or token, run first
 * so that a message appears next to the field.
 */
export interface RoleInfo {
  name: string;
  permissions: string[];
}

/** Roles first (with what they grant, in short), then single permissions: one list for a MultiSelect. */
export function grantOptions(roles: readonly RoleInfo[], permissions: readonly string[]) {
  return [
    { group: 'Roles', items: roles.map((r) => ({ value: r.name, label: `${r.name} (${r.permissions.length} permissions)` })) },
    { group: 'Single permissions', items: permissions.map((p) => ({ value: p, label: p })) },
  ];
}

/** A token's expiry for people: expired, expires soon (a week), or when. */
export function expiryOf(token: { expiresAt: number | null; expired: boolean }, now: number): { label: string; color: string } {
  if (token.expired || (token.expiresAt !== null && token.expiresAt <= now)) return { label: 'expired', color: 'red' };
  if (token.expiresAt === null) return { label: 'never expires', color: 'gray' };
  const days = (token.expiresAt - now) / 86_400_000;
  const when = new Date(token.expiresAt).toLocaleDateString();
  if (days < 7) return { label: `expires soon (${when})`, color: 'yellow' };
  return { label: `expires ${when}`, color: 'gray' };
}

/** The server's own rules (domain/users.ts): user names, password length. */
export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 1024;

export function checkUsername(name: string): string | undefined {
  return USERNAME.test(name) ? undefined : 'Use 1–64 letters, digits or . _ @ -';
}

export function checkPassword(password: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `At least ${MIN_PASSWORD} characters.`;
  if (password.length > MAX_PASSWORD) return `At most ${MAX_PASSWORD} characters.`;
  return undefined;
}

/** A `date` input's day as the end of that day (local), or a message; '' means no expiry. */
export function expiryFromInput(day: string, now: number): { expiresAt: number | undefined } | { error: string } {
  if (day === '') return { expiresAt: undefined };
  const ms = new Date(`${day}T23:59:59`).getTime();
  if (Number.isNaN(ms)) return { error: 'Enter a date.' };
  if (ms <= now) return { error: 'Choose a day in the future.' };
  return { expiresAt: ms };
}

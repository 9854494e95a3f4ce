/**
 * API errors in words a person understands. The server's message already says what is wrong with
 * the request (it is written for people); this adds what the status means for the operator.
 */
import { ApiError } from '@osprey/client';

export interface ErrorDescription {
  title: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'The server refused this input',
  401: 'You are not signed in',
  403: 'You may not do this',
  404: 'Not found',
  409: 'This conflicts with the current state',
  413: 'Too large',
  415: 'Unsupported file type',
  429: 'Too many requests',
  503: 'The server is not available right now',
  507: 'The server has no room left',
};

/** The server's errorCodes (packages/server/src/errors.ts) that deserve words of their own. */
export const ERROR_CODES = {
  sessionExpired: 'osprey.server.error.session.expired',
  loginThrottled: 'osprey.server.error.login.throttled',
} as const;

const CODES: Record<string, string> = {
  [ERROR_CODES.sessionExpired]: 'Your session has expired. Sign in again.',
  [ERROR_CODES.loginThrottled]: 'Too many failed sign-ins. Wait a moment and try again.',
};

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof ApiError) {
    const title = TITLES[error.status] ?? (error.status >= 500 ? 'The server failed' : `Refused (HTTP ${error.status})`);
    const known = error.errorCode ? CODES[error.errorCode] : undefined;
    const said = known ?? error.body?.message ?? error.message;
    // Only a missing permission is something an administrator can grant; other 403s (four eyes, not your own roles) say why themselves.
    const grantable = error.errorCode === 'hawkbit.server.error.insufficientpermission';
    const sentence = /[.!?]$/.test(said) ? said : `${said}.`;
    return { title, message: grantable ? `${sentence} Ask an administrator for the permission if you need it.` : said };
  }
  if (error instanceof TypeError) return { title: 'The server cannot be reached', message: 'Check your connection; the console retries by itself.' };
  return { title: 'Something went wrong', message: error instanceof Error ? error.message : String(error) };
}

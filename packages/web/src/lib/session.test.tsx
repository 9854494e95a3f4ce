// @vitest-environment happy-dom
/**
 * The console asks the server about a stored session when it opens: an expired one ends with the
 * "expired" words, a live one takes the user's permissions as they are now.
 */
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../test/render.js';
import { SessionProvider, useSessionState } from './session.js';

const USER = { username: 'ops', tenant: 'DEFAULT', roles: ['VIEWER'], permissions: ['READ_TARGET'] };

function Probe() {
  const { session, endedBecause } = useSessionState();
  return <p data-testid="state">{session ? `signed in: ${session.user.permissions.join(',')}` : `signed out: ${endedBecause ?? ''}`}</p>;
}

function open(answer: Response) {
  window.sessionStorage.setItem('osprey.session', JSON.stringify({ token: 'oss_test', user: USER, expiresAt: Date.now() + 60_000 }));
  const asked: string[] = [];
  vi.stubGlobal('fetch', async (input: Request | string) => {
    const request = typeof input === 'string' ? new Request(input) : input;
    asked.push(`${new URL(request.url).pathname} ${request.headers.get('authorization')}`);
    return answer.clone();
  });
  renderWithProviders(
    <SessionProvider>
      <Probe />
    </SessionProvider>,
  );
  return asked;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.sessionStorage.clear();
});

describe('a stored session when the console opens', () => {
  it('ends with "expired" when the server says so, and is forgotten', async () => {
    const asked = open(Response.json({ errorCode: 'osprey.server.error.session.expired', message: 'your session expired; sign in again' }, { status: 401 }));
    expect((await screen.findByText(/^signed out/)).textContent).toBe('signed out: Your session has expired. Sign in again.');
    expect(asked).toEqual(['/rest/v1/sessions/current Bearer oss_test']);
    expect(window.sessionStorage.getItem('osprey.session')).toBeNull();
  });

  it('takes the permissions the user holds now', async () => {
    open(Response.json({ user: { ...USER, permissions: ['READ_TARGET', 'UPDATE_TARGET'] }, expiresAt: Date.now() + 60_000, idleTimeoutSeconds: 1800 }));
    expect((await screen.findByText(/UPDATE_TARGET/)).textContent).toBe('signed in: READ_TARGET,UPDATE_TARGET');
    expect(JSON.parse(window.sessionStorage.getItem('osprey.session') ?? '{}').user.permissions).toEqual(['READ_TARGET', 'UPDATE_TARGET']);
  });
});

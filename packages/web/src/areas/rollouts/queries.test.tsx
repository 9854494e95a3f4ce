// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../../lib/session.js';
import { describeError } from '../../lib/errors.js';
import { renderWithProviders } from '../../test/render.js';
import { useTargetCount } from './queries.js';

/** The hook as the wizard uses it: a filter field, the count or the server's refusal under it. */
function Harness() {
  const [q, setQ] = useState('');
  const count = useTargetCount(q, 30);
  return (
    <div>
      <label>
        filter
        <input value={q} onChange={(e) => setQ(e.currentTarget.value)} />
      </label>
      <p data-testid="out">{count.pending ? 'counting' : count.error ? describeError(count.error).message : String(count.data ?? '')}</p>
    </div>
  );
}

const requests: URL[] = [];

beforeEach(() => {
  requests.length = 0;
  window.sessionStorage.setItem(
    'osprey.session',
    JSON.stringify({
      token: 'oss_test',
      user: { username: 'ops', tenant: 'DEFAULT', roles: [], permissions: ['READ_TARGET'] },
      expiresAt: Date.now() + 60_000,
    }),
  );
  vi.stubGlobal('fetch', async (input: Request | string) => {
    const request = typeof input === 'string' ? new Request(input) : input;
    const url = new URL(request.url);
    // The count's requests; the console also asks about its session when it opens.
    if (url.pathname === '/rest/v1/sessions/current') return Response.json({ message: 'not in this test' }, { status: 404 });
    requests.push(url);
    const q = url.searchParams.get('q') ?? '';
    if (q.startsWith('nme'))
      return Response.json({ errorCode: 'hawkbit.server.error.rest.param.rsqlInvalidField', message: 'unknown field "nme"' }, { status: 400 });
    return Response.json({ content: [], total: q === 'name==gw*' ? 1234 : 0, size: 0 });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.sessionStorage.clear();
});

describe('the live count of matching devices', () => {
  it('asks once the typing pauses, for one row, and shows the total', async () => {
    renderWithProviders(
      <SessionProvider>
        <Harness />
      </SessionProvider>,
    );
    const input = screen.getByLabelText('filter');
    for (const text of ['n', 'name==', 'name==gw*']) fireEvent.change(input, { target: { value: text } });
    await waitFor(() => expect(screen.getByTestId('out').textContent).toBe('1234'));
    // Only what was typed last reached the server, and only one row of it.
    expect(requests.map((u) => [u.pathname, u.searchParams.get('q'), u.searchParams.get('limit')])).toEqual([['/rest/v1/targets', 'name==gw*', '1']]);
  });

  it("shows the server's refusal of the filter in its words", async () => {
    renderWithProviders(
      <SessionProvider>
        <Harness />
      </SessionProvider>,
    );
    fireEvent.change(screen.getByLabelText('filter'), { target: { value: 'nme==gw*' } });
    await waitFor(() => expect(screen.getByTestId('out').textContent).toBe('unknown field "nme"'));
  });
});

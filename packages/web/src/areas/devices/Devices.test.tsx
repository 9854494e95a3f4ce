// @vitest-environment happy-dom
/**
 * The devices pages against a fake server (the typed client's fetch): the list asks for one
 * page with the URL's filter, shows the server's 400 at the filter box, and the device page's
 * controls send the right calls or are disabled by permission.
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../../lib/session.js';
import Devices from '../../pages/Devices.js';
import { renderWithProviders } from '../../test/render.js';

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

const target = (controllerId: string, updateStatus = 'in_sync') => ({
  controllerId,
  name: `Device ${controllerId}`,
  updateStatus,
  lastControllerRequestAt: Date.UTC(2031, 0, 1),
  requestAttributes: false,
  autoConfirmActive: false,
  createdAt: Date.UTC(2030, 0, 1),
  _links: { self: { href: 'x' }, assignedDS: { href: 'x' }, installedDS: { href: 'x' }, attributes: { href: 'x' }, actions: { href: 'x' } },
});

const action = {
  id: 7,
  type: 'update',
  active: true,
  status: 'running',
  forceType: 'soft',
  createdAt: Date.UTC(2031, 0, 1),
  _links: {
    self: { href: 'x' },
    target: { href: 'http://h/rest/v1/targets/gw-01' },
    distributionset: { href: 'http://h/rest/v1/distributionsets/3' },
    status: { href: 'x' },
  },
};

let calls: Call[] = [];
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function fakeServer(request: Request): Response {
  const url = new URL(request.url);
  const path = url.pathname.replace('/rest/v1', '');
  const q = url.searchParams.get('q');
  if (request.method === 'GET' && path === '/targets') {
    if (q === 'nme==x') return json({ errorCode: 'RSQL_INVALID_FIELD', message: 'unknown field "nme"; allowed fields: controllerId, name' }, 400);
    return json({ content: [target('gw-01'), target('gw-02', 'error')], total: 2, size: 2 });
  }
  if (request.method === 'GET' && path === '/targets/gw-01') return json(target('gw-01'));
  if (path === '/targets/gw-01/attributes') return json({ hw_rev: '2', os: 'linux' });
  if (path.endsWith('/installedDS') || path.endsWith('/assignedDS')) return new Response(null, { status: 204 });
  if (path === '/targets/gw-01/actions') return json({ content: [action], total: 1, size: 1 });
  if (path === '/targets/gw-01/actions/7/status') {
    return json({
      content: [{ id: 1, type: 'error', messages: ['download failed', 'checksum mismatch'], code: 17, reportedAt: Date.UTC(2031, 0, 1) }],
      total: 1,
      size: 1,
    });
  }
  if (request.method === 'DELETE' && path === '/targets/gw-01/actions/7') return new Response(null, { status: 204 });
  if (path === '/targetfilters' || path === '/distributionsets') return json({ content: [], total: 0, size: 0 });
  return json({ errorCode: 'NOT_FOUND', message: `no fake for ${request.method} ${path}` }, 404);
}

function signIn(permissions: string[]) {
  window.sessionStorage.setItem(
    'osprey.session',
    JSON.stringify({ token: 'oss_test', user: { username: 'op', tenant: 'DEFAULT', roles: [], permissions }, expiresAt: Date.UTC(2099, 0, 1) }),
  );
}

function renderAt(route: string) {
  return renderWithProviders(
    <SessionProvider>
      <Routes>
        <Route path="/devices/*" element={<Devices />} />
      </Routes>
    </SessionProvider>,
    { route },
  );
}

beforeEach(() => {
  calls = [];
  // The typed client calls the page's own origin.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL('http://console.test/');
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const text = await request.clone().text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const url = new URL(request.url);
    calls.push({ method: request.method, path: url.pathname, query: url.searchParams, body });
    return fakeServer(request);
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.sessionStorage.clear();
});

describe('devices list', () => {
  it('asks for one page with the URL’s filter and shows the devices with their status in words', async () => {
    signIn(['READ_TARGET']);
    renderAt('/devices?q=updateStatus%3D%3Derror');
    const table = await screen.findByRole('table', { name: 'devices' });
    expect(await within(table).findByRole('link', { name: 'gw-02' })).toBeTruthy();
    expect(within(table).getByText('Error')).toBeTruthy();
    const list = calls.find((c) => c.path === '/rest/v1/targets');
    expect(list?.query.get('q')).toBe('updateStatus==error');
    expect(list?.query.get('limit')).toBe('25');
    expect((screen.getByLabelText('Filter (RSQL)') as HTMLInputElement).value).toBe('updateStatus==error');
    // Without READ_DISTRIBUTION_SET there is no installed-set column (and no call for it).
    expect(calls.some((c) => c.path.endsWith('/installedDS'))).toBe(false);
  });

  it('shows each row’s installed set, and "none" when the device has none (204)', async () => {
    signIn(['READ_TARGET', 'READ_DISTRIBUTION_SET']);
    renderAt('/devices');
    const table = await screen.findByRole('table', { name: 'devices' });
    await waitFor(() => expect(within(table).getAllByText('none')).toHaveLength(2));
    expect(calls.filter((c) => c.path.endsWith('/installedDS')).map((c) => c.path)).toEqual([
      '/rest/v1/targets/gw-01/installedDS',
      '/rest/v1/targets/gw-02/installedDS',
    ]);
  });

  it('applies a filter on Enter and shows the server’s 400 next to the box', async () => {
    signIn(['READ_TARGET']);
    renderAt('/devices');
    await screen.findByRole('link', { name: 'gw-01' });
    const box = screen.getByLabelText('Filter (RSQL)');
    fireEvent.change(box, { target: { value: 'nme==x' } });
    fireEvent.submit(box.closest('form')!);
    await waitFor(() => expect(box.getAttribute('aria-invalid')).toBe('true'));
    expect(
      document.getElementById(
        box
          .getAttribute('aria-describedby')!
          .split(' ')
          .find((id) => id.includes('error'))!,
      )?.textContent,
    ).toContain('unknown field "nme"');
    expect(calls.some((c) => c.query.get('q') === 'nme==x')).toBe(true);
  });
});

describe('device page', () => {
  it('shows the device, its attributes and actions, and cancels an action', async () => {
    signIn(['READ_TARGET', 'UPDATE_TARGET']);
    renderAt('/devices/gw-01');
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('gw-01');
    expect(await screen.findByText('hw_rev')).toBeTruthy();
    const actions = await screen.findByRole('table', { name: 'actions' });
    expect(await within(actions).findByText('#7')).toBeTruthy();
    fireEvent.click(within(actions).getByRole('button', { name: 'Cancel action' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/rest/v1/targets/gw-01/actions/7')).toBe(true));
  });

  it('shows every status message of an action', async () => {
    signIn(['READ_TARGET']);
    renderAt('/devices/gw-01');
    fireEvent.click(await screen.findByRole('button', { name: 'Messages of action 7' }));
    expect(await screen.findByText('checksum mismatch')).toBeTruthy();
    expect(screen.getByText('download failed')).toBeTruthy();
  });

  it('disables what the user may not do, saying which permission is missing', async () => {
    signIn(['READ_TARGET']);
    renderAt('/devices/gw-01');
    const del = await screen.findByRole('button', { name: 'Delete device' });
    expect(del.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(del);
    expect(screen.queryByText(/cannot be undone/)).toBeNull();
    const cancel = await screen.findByRole('button', { name: 'Cancel action' });
    expect(cancel.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByRole('button', { name: 'Assign' }).getAttribute('aria-disabled')).toBe('true');
    expect(calls.some((c) => c.method !== 'GET')).toBe(false);
  });
});

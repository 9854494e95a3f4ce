// @vitest-environment happy-dom
import { Notifications } from '@mantine/notifications';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionProvider } from '../../lib/session.js';
import { renderWithProviders } from '../../test/render.js';
import { ArtifactUpload } from './ArtifactUpload.js';
import { NewModuleModal } from './NewModuleModal.js';
import type { UploadRequest } from './upload.js';

interface Call {
  method: string;
  url: URL;
  body: unknown;
}

let calls: Call[] = [];
let answer: (call: Call) => Response;
const realFetch = globalThis.fetch;

function signIn(permissions: string[]) {
  window.sessionStorage.setItem(
    'osprey.session',
    JSON.stringify({ token: 'oss_test', expiresAt: Date.now() + 3_600_000, user: { username: 'alice', tenant: 'DEFAULT', roles: [], permissions } }),
  );
}

beforeEach(() => {
  calls = [];
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const text = await request.text();
    const call = { method: request.method, url: new URL(request.url), body: text ? JSON.parse(text) : undefined };
    calls.push(call);
    return answer(call);
  };
});
afterEach(() => {
  cleanup();
  globalThis.fetch = realFetch;
  window.sessionStorage.clear();
});

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const types = {
  content: [{ id: 1, key: 'os', name: 'OS', createdAt: 0, maxAssignments: 1, minArtifacts: 0, _links: { self: { href: '' } } }],
  total: 1,
  size: 1,
};

describe('New software module', () => {
  it('says what is missing next to each field and sends nothing; then creates, or shows the refusal in words', async () => {
    signIn(['READ_SOFTWARE_MODULE', 'CREATE_SOFTWARE_MODULE']);
    answer = (call) => {
      if (call.url.pathname === '/rest/v1/softwaremoduletypes') return json(200, types);
      if (call.method === 'POST') return json(400, { errorCode: 'BAD_REQUEST', message: 'a software module gw-os 1.0 already exists' });
      return json(404, { errorCode: 'NOT_FOUND', message: 'no' });
    };
    renderWithProviders(
      <SessionProvider>
        <NewModuleModal opened onClose={() => undefined} />
      </SessionProvider>,
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText(/^Version/), { target: { value: 'x'.repeat(65) } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('Enter a name.')).toBeTruthy();
    expect(within(dialog).getByText('The version is at most 64 characters.')).toBeTruthy();
    expect(within(dialog).getByText('Choose the module type.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);

    fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: 'gw-os' } });
    fireEvent.change(within(dialog).getByLabelText(/^Version/), { target: { value: '1.0' } });
    // The type is searched on the server, not picked from a list held in the browser.
    const type = within(dialog).getByRole('combobox', { name: /^Type/ });
    // Focused for real: Mantine takes a change to an unfocused input for autofill.
    act(() => type.focus());
    fireEvent.change(type, { target: { value: 'O' } });
    await waitFor(() => expect(calls.map((c) => c.url.searchParams.get('q'))).toContain('name=="*O*",key=="*O*"'));
    // The dropdown is still in its opening transition in happy-dom: the option is found by its text.
    fireEvent.click(await screen.findByText('OS (os)'));
    await waitFor(() => expect((type as HTMLInputElement).value).toBe('OS (os)'));

    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('a software module gw-os 1.0 already exists');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url.pathname).toBe('/rest/v1/softwaremodules');
    expect(post.body).toEqual([{ name: 'gw-os', version: '1.0', type: 'os' }]);
  });
});

class FakeRequest implements UploadRequest {
  status = 0;
  responseText = '';
  upload: UploadRequest['upload'] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  sent: FormData | undefined;
  open() {}
  setRequestHeader() {}
  send(body: FormData) {
    this.sent = body;
  }
  abort() {
    this.onabort?.();
  }
}

describe('Artifact upload', () => {
  function renderUpload(permissions: string[]) {
    signIn(permissions);
    answer = () => json(404, { errorCode: 'NOT_FOUND', message: 'no' });
    const requests: FakeRequest[] = [];
    const view = renderWithProviders(
      <SessionProvider>
        <Notifications />
        <ArtifactUpload
          moduleId={3}
          createRequest={() => {
            const r = new FakeRequest();
            requests.push(r);
            return r;
          }}
        />
      </SessionProvider>,
    );
    const input = view.container.querySelector('input[type="file"]') as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File([new Uint8Array(2_000_000)], 'image.bin')] } });
    return { requests };
  }

  it('shows the progress bar with percent and bytes, then the server refusal in words', async () => {
    const { requests } = renderUpload(['CREATE_SOFTWARE_MODULE']);
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    const request = requests[0]!;
    expect((request.sent!.get('file') as File).name).toBe('image.bin');
    act(() => request.upload.onprogress?.({ loaded: 500_000, total: 2_000_200, lengthComputable: true }));
    const bar = screen.getByRole('progressbar', { name: 'upload progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('24');
    expect(screen.getByText('500 kB of 2.00 MB (24%)')).toBeTruthy();
    act(() => {
      request.status = 507;
      request.responseText = JSON.stringify({ errorCode: 'INSUFFICIENT_STORAGE', message: 'the artifact store is full' });
      request.onload?.();
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The server has no room left');
    expect(alert.textContent).toContain('the artifact store is full');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('cancels a running upload', async () => {
    const { requests } = renderUpload(['CREATE_SOFTWARE_MODULE']);
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    act(() => requests[0]!.upload.onprogress?.({ loaded: 10, total: 100, lengthComputable: true }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    // Said as a notice, not as an error next to the form.
    expect(await screen.findByText('The upload was cancelled; nothing was stored.')).toBeTruthy();
    expect(screen.queryByText('Something went wrong')).toBeNull();
  });

  it('without CREATE_SOFTWARE_MODULE the button says why and uploads nothing', () => {
    const { requests } = renderUpload(['READ_SOFTWARE_MODULE']);
    const button = screen.getByRole('button', { name: 'Upload' });
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.getAttribute('aria-description')).toBe('Needs the permission CREATE_SOFTWARE_MODULE');
    fireEvent.click(button);
    expect(requests).toEqual([]);
  });
});

/**
 * The generated client against a real server: paths, parameters and bodies are checked by the
 * compiler against docs/openapi.json (this file is type-checked in `npm test`), answers by the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, managementClient, ok, type ManagementClient } from '@osprey/client';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

describe('typed management client', () => {
  let server: TestServer;
  let api: ManagementClient;
  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    api = managementClient({ baseUrl: server.url, authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}` });
  });
  afterAll(() => server?.stop());

  it('reads who it is', async () => {
    const me = await ok(api.GET('/rest/v1/userinfo'));
    expect(me.tenant).toBe('DEFAULT');
    expect(me.username).toBe('admin');
    expect(me.permissions).toContain('READ_TARGET');
  });

  it('changes a tenant configuration key and reads it back', async () => {
    const set = await ok(api.PUT('/rest/v1/system/configs/{key}', { params: { path: { key: 'pollingTime' } }, body: { value: '00:01:00' } }));
    expect(set.value).toBe('00:01:00');
    const all = await ok(api.GET('/rest/v1/system/configs'));
    expect(all.pollingTime).toEqual({ value: '00:01:00', global: false });
  });

  it('turns a refusal into an ApiError with the hawkBit error body', async () => {
    const refused = await ok(api.PUT('/rest/v1/system/configs/{key}', { params: { path: { key: 'no.such.key' } }, body: { value: 1 } })).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect((refused as ApiError).errorCode).toBe('hawkbit.server.error.rest.param.invalid');
    expect((refused as ApiError).message).toMatch(/unknown configuration key no\.such\.key/);
  });
});

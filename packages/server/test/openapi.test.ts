import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_FILE, OPENAPI_FILE, generateClientTypes, generateOpenApi } from '../../../scripts/openapi.js';

describe('OpenAPI document', () => {
  it('the committed docs/openapi.json and the client types are what the server generates (run `npm run openapi` after changing routes)', async () => {
    const generated = await generateOpenApi();
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(generated);
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8')).toBe(await generateClientTypes(generated));
    const doc = JSON.parse(generated);
    expect(doc.paths['/rest/v1/targets'].post['x-osprey-permissions']).toEqual(['CREATE_TARGET']);
    expect(doc.paths['/{tenant}/controller/v1/{controllerId}/deploymentBase/{actionId}'].get.security).toBeDefined();
  });
});

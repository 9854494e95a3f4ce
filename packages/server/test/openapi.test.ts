import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../../scripts/openapi.js';

describe('OpenAPI document', () => {
  it('the committed docs/openapi.json is what the server serves (run `npm run openapi` after changing routes)', async () => {
    const generated = await generateOpenApi();
    const committed = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8');
    expect(committed).toBe(generated);
    const doc = JSON.parse(generated);
    expect(doc.paths['/rest/v1/targets'].post['x-osprey-permissions']).toEqual(['CREATE_TARGET']);
    expect(doc.paths['/{tenant}/controller/v1/{controllerId}/deploymentBase/{actionId}'].get.security).toBeDefined();
  });
});

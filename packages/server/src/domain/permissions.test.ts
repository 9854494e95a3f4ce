import { describe, expect, it } from 'vitest';
import { PERMISSIONS, resolvePermissions, ROLES } from './permissions.js';

describe('permissions', () => {
  it('maps legacy names onto the current set', () => {
    expect([...resolvePermissions(['CREATE_REPOSITORY'])].sort()).toEqual([
      'CREATE_DISTRIBUTION_SET',
      'CREATE_DISTRIBUTION_SET_TYPE',
      'CREATE_SOFTWARE_MODULE',
      'CREATE_SOFTWARE_MODULE_TYPE',
    ]);
    expect(resolvePermissions(['DOWNLOAD_REPOSITORY_ARTIFACT']).has('READ_SOFTWARE_MODULE_ARTIFACT')).toBe(true);
    expect(resolvePermissions(['SYSTEM_ADMIN']).size).toBe(PERMISSIONS.length);
  });

  it('expands roles, with or without ROLE_', () => {
    const p = resolvePermissions(['ROLE_TARGET_ADMIN']);
    expect(p.has('UPDATE_TARGET')).toBe(true);
    expect(p.has('CREATE_SOFTWARE_MODULE')).toBe(false);
    expect(resolvePermissions(['TENANT_ADMIN']).has('UPDATE_TENANT_CONFIGURATION')).toBe(true);
    expect([...resolvePermissions(['VIEWER'])].every((x) => x.startsWith('READ_'))).toBe(true);
    expect(ROLES.VIEWER).not.toContain('READ_TARGET_SECURITY_TOKEN');
  });

  it('refuses unknown grants', () => {
    expect(() => resolvePermissions(['GOD_MODE'])).toThrow(/unknown role or permission "GOD_MODE"/);
  });
});

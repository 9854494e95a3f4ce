import { describe, expect, it } from 'vitest';
import { searchQuery } from './format.js';
import { hardwareIds, validateNewModule, validateNewSet, validateNewType, validateRelease } from './validation.js';

describe('create forms', () => {
  it('module: name, version and type are required, within the server limits, on one line', () => {
    expect(validateNewModule({ name: '', version: ' ', type: null, description: '', vendor: '' })).toEqual({
      name: 'Enter a name.',
      version: 'Enter a version.',
      type: 'Choose the module type.',
    });
    expect(validateNewModule({ name: 'a\nb', version: '1', type: 'os', description: 'x'.repeat(513), vendor: 'v' })).toEqual({
      name: 'The name must be one line without control characters.',
      description: 'The description is at most 512 characters.',
    });
    expect(validateNewModule({ name: 'gw-os', version: '1.0', type: 'os', description: '', vendor: 'Acme' })).toEqual({});
  });

  it('set: a type is needed; modules are optional', () => {
    expect(validateNewSet({ name: 'bundle', version: '1', type: null, modules: [], description: '' })).toEqual({ type: 'Choose the distribution set type.' });
    expect(validateNewSet({ name: 'bundle', version: '1', type: 'os', modules: ['1', '2'], description: '' })).toEqual({});
  });

  it('type: the key takes letters, digits and _ . - only', () => {
    expect(validateNewType({ name: 'Firmware', key: 'fw image', description: '' }).key).toMatch(/no spaces/);
    expect(validateNewType({ name: 'Firmware', key: 'fw_image-2.x', description: '', maxAssignments: 1 })).toEqual({});
    expect(validateNewType({ name: 'Firmware', key: 'fw', description: '', maxAssignments: 0 }).maxAssignments).toBe('Enter a whole number of at least 1.');
  });

  it('release: a whole security version in range and at least one hardware id', () => {
    expect(validateRelease({ securityVersion: '', hardware: [] })).toEqual({
      securityVersion: 'Enter a whole number from 0 to 4294967295.',
      hardware: 'Name at least one hardware id this release is for.',
    });
    expect(validateRelease({ securityVersion: 2 ** 32, hardware: ['a'] }).securityVersion).toBeDefined();
    expect(validateRelease({ securityVersion: 1.5, hardware: ['a'] }).securityVersion).toBeDefined();
    expect(validateRelease({ securityVersion: 0, hardware: ['board-a'] })).toEqual({});
    expect(hardwareIds(' board-a, board-b  board-a ,')).toEqual(['board-a', 'board-b']);
  });

  it('search: the text becomes a quoted, escaped RSQL contains-filter over the fields', () => {
    expect(searchQuery('  ', ['name'])).toBeUndefined();
    expect(searchQuery('gw', ['name', 'version'])).toBe('name=="*gw*",version=="*gw*"');
    // Quotes, backslashes and stars are the user's text, not RSQL.
    expect(searchQuery('a"b\\c*', ['name'])).toBe('name=="*a\\"b\\\\c\\**"');
  });
});

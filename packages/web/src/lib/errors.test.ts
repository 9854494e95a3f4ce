import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { describeError } from './errors.js';

describe('describeError', () => {
  it.each([
    [
      'a missing permission, with what to do',
      new ApiError(403, { errorCode: 'hawkbit.server.error.insufficientpermission', message: 'missing permission UPDATE_TARGET' }),
      'You may not do this',
      'missing permission UPDATE_TARGET. Ask an administrator for the permission if you need it.',
    ],
    [
      'another 403 in the server’s own words',
      new ApiError(403, { errorCode: 'osprey.server.error.fourEyes', message: 'a rollout cannot be approved by its creator' }),
      'You may not do this',
      'a rollout cannot be approved by its creator',
    ],
    [
      'an expired session',
      new ApiError(401, { errorCode: 'osprey.server.error.session.expired', message: 'x' }),
      'You are not signed in',
      'Your session has expired. Sign in again.',
    ],
    ['a refused input', new ApiError(400, { errorCode: 'x', message: 'name must not be empty' }), 'The server refused this input', 'name must not be empty'],
    ['a server failure', new ApiError(502, undefined), 'The server failed', 'the server answered 502'],
  ])('%s', (_what, error, title, message) => {
    expect(describeError(error)).toEqual({ title, message });
  });

  it('says when the server cannot be reached', () => {
    expect(describeError(new TypeError('Failed to fetch')).title).toBe('The server cannot be reached');
  });
});

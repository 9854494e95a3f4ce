import { describe, expect, it } from 'vitest';
import { buildRsql, newRow, rowToRsql, type FilterRow } from './rsql.js';
import { actionStatusLook, ago, canCancel, canForce, controllerIdOf, updateStatusLook } from './status.js';

describe('filter builder → RSQL', () => {
  const cases: Array<[string, FilterRow, ReturnType<typeof rowToRsql>]> = [
    ['exact text', { field: 'controllerId', operator: 'is', value: 'gw-01' }, { rsql: 'controllerId=="gw-01"' }],
    ['a literal star is escaped', { field: 'name', operator: 'is', value: 'a*b' }, { rsql: 'name=="a\\*b"' }],
    ['quotes and backslashes are escaped', { field: 'name', operator: 'is', value: 'say "hi" \\ bye' }, { rsql: 'name=="say \\"hi\\" \\\\ bye"' }],
    ['reserved characters stay inside the quotes', { field: 'description', operator: 'isNot', value: 'a;b,c==d' }, { rsql: 'description!="a;b,c==d"' }],
    ['contains', { field: 'name', operator: 'contains', value: 'lab*' }, { rsql: 'name=="*lab\\**"' }],
    ['starts with', { field: 'controllerId', operator: 'startsWith', value: 'gw-' }, { rsql: 'controllerId=="gw-*"' }],
    ['one of', { field: 'updateStatus', operator: 'oneOf', value: 'error, pending,' }, { rsql: 'updateStatus=in=("error","pending")' }],
    ['status', { field: 'updateStatus', operator: 'is', value: 'in_sync' }, { rsql: 'updateStatus=="in_sync"' }],
    [
      'before a time',
      { field: 'lastControllerRequestAt', operator: 'before', value: '2031-06-01T08:00:00Z' },
      { rsql: 'lastControllerRequestAt=lt=2031-06-01T08:00:00.000Z' },
    ],
    ['after a time', { field: 'createdAt', operator: 'after', value: '2031-06-01T10:00:00+02:00' }, { rsql: 'createdAt=gt=2031-06-01T08:00:00.000Z' }],
    ['attribute', { field: 'attribute', key: 'hw_rev', operator: 'is', value: '2' }, { rsql: 'attribute.hw_rev=="2"' }],
    ['no value yet', { field: 'name', operator: 'is', value: '  ' }, { empty: true }],
    ['not a time', { field: 'createdAt', operator: 'before', value: 'yesterday-ish' }, { error: '“yesterday-ish” is not a date and time' }],
    ['operator of another kind', { field: 'createdAt', operator: 'contains', value: '2031' }, { error: '“contains” does not apply to Created' }],
    ['attribute without a name', { field: 'attribute', key: '', operator: 'is', value: '2' }, { error: 'give the attribute’s name' }],
    [
      'attribute name with a reserved character',
      { field: 'attribute', key: 'hw;rev', operator: 'is', value: '2' },
      { error: 'an attribute name cannot contain spaces or any of " \' ( ) ; , = ! ~ < >' },
    ],
    ['unknown field', { field: 'colour', operator: 'is', value: 'red' }, { error: 'unknown field colour' }],
  ];
  it.each(cases)('%s', (_name, row, expected) => {
    expect(rowToRsql(row)).toEqual(expected);
  });

  it('joins the rows with ; and reports each row’s problem at its index', () => {
    const built = buildRsql([
      { field: 'controllerId', operator: 'startsWith', value: 'gw' },
      { field: 'name', operator: 'is', value: '' },
      { field: 'createdAt', operator: 'after', value: 'nope' },
      { field: 'updateStatus', operator: 'is', value: 'error' },
    ]);
    expect(built.q).toBe('controllerId=="gw*";updateStatus=="error"');
    expect(built.errors).toEqual([undefined, undefined, '“nope” is not a date and time', undefined]);
    expect(buildRsql([]).q).toBe('');
  });

  it('starts a row with an operator its field takes', () => {
    expect(newRow('lastControllerRequestAt')).toEqual({ field: 'lastControllerRequestAt', operator: 'before', value: '' });
    expect(newRow('attribute')).toEqual({ field: 'attribute', operator: 'is', value: '', key: '' });
  });
});

describe('statuses in words', () => {
  it.each([
    ['in_sync', 'In sync', 'teal'],
    ['IN_SYNC', 'In sync', 'teal'],
    ['error', 'Error', 'red'],
    ['pending', 'Pending', 'yellow'],
    ['registered', 'Registered', 'blue'],
    ['unknown', 'Unknown', 'gray'],
    ['something_new', 'something_new', 'gray'],
  ])('update status %s → %s (%s)', (status, label, color) => {
    expect(updateStatusLook(status)).toMatchObject({ label, color });
  });

  it.each([
    ['error', 'Error', 'red'],
    ['finished', 'Finished', 'teal'],
    ['wait_for_confirmation', 'Waiting for confirmation', 'yellow'],
    ['canceling', 'Canceling', 'yellow'],
    ['download', 'Downloading', 'blue'],
  ])('action status %s → %s (%s)', (status, label, color) => {
    expect(actionStatusLook(status)).toMatchObject({ label, color });
  });

  it('offers cancel and force only where they change something', () => {
    const open = { active: true, type: 'update', status: 'running', forceType: 'soft' };
    expect([canCancel(open), canForce(open)]).toEqual([true, true]);
    expect([canCancel({ ...open, forceType: 'forced' }), canForce({ ...open, forceType: 'forced' })]).toEqual([true, false]);
    expect([canCancel({ ...open, type: 'cancel', status: 'canceling' }), canForce({ ...open, status: 'canceling' })]).toEqual([false, false]);
    expect([canCancel({ ...open, active: false, status: 'error' }), canForce({ ...open, active: false })]).toEqual([false, false]);
  });

  it('reads the controller id from an action’s target link', () => {
    expect(controllerIdOf({ _links: { target: { href: 'http://h/rest/v1/targets/gw%2F01' } } })).toBe('gw/01');
    expect(controllerIdOf({ _links: { target: { href: 'http://h/rest/v1/other' } } })).toBeUndefined();
  });

  it('says how long ago', () => {
    const now = Date.UTC(2031, 0, 1);
    expect(ago(undefined, now)).toBe('never');
    expect(ago(now - 30_000, now)).toBe('30 s ago');
    expect(ago(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(ago(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(ago(now - 3 * 86400_000, now)).toBe('3 days ago');
  });
});

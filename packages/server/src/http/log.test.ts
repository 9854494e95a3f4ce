import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { errorForLog } from './log.js';

describe('errorForLog', () => {
  it("drops a PGlite error's bound parameters (they hold tokens and keys) and keeps what an operator needs", async () => {
    const db = new PGlite();
    await db.exec('create table t (token text not null, n int4)');
    const failure = await db.query('insert into t (token, n) values ($1, $2)', ['SECRET-TOKEN', 2 ** 40]).catch((e: unknown) => e as Error);
    await db.close();
    expect(JSON.stringify(failure)).toContain('SECRET-TOKEN'); // the driver really attaches them
    const logged = JSON.stringify(errorForLog(new Error('creating the target failed', { cause: failure })));
    expect(logged).not.toContain('SECRET-TOKEN');
    expect(logged).toContain('out of range');
    expect(logged).toContain('creating the target failed');
  });

  it('leaves values that are not errors alone', () => {
    expect(errorForLog('text')).toBe('text');
  });
});

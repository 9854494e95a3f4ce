/**
 * The file-backed key service shared by several instances (one key directory, one passphrase):
 * a tenant's escrow key is created once whoever asks first, and an instance that held a tenant's
 * keys in memory sees another's rotation after forget() (main.ts calls it on the tenant's key events).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { FileKeyService } from './keyservice.js';

describe('FileKeyService on a shared directory', () => {
  let dir = '';
  tempDirEachTest('osprey-keys-', (d) => (dir = d));

  it('two instances asking for a new tenant’s escrow key get the same one', () => {
    const one = new FileKeyService(dir, 'a shared passphrase');
    const two = new FileKeyService(dir, 'a shared passphrase');
    const first = one.escrowRecipient('ACME').toString();
    expect(two.escrowRecipient('ACME').toString()).toBe(first);
    // No temporary file left behind.
    expect(readdirSync(join(dir, 'ACME'))).toEqual(['escrow.pem']);
  });

  it('an instance that had loaded the keys sees another instance’s new TUF key after forget()', () => {
    const one = new FileKeyService(dir, 'a shared passphrase');
    const two = new FileKeyService(dir, 'a shared passphrase');
    one.generateTufKeys('ACME', ['timestamp']);
    expect(two.tufSigners('ACME', 'timestamp')).toHaveLength(1);
    const next = one.generateTufKeys('ACME', ['timestamp']).timestamp.key.keyID;
    // Held in memory: still the old list until told.
    expect(two.tufSigners('ACME', 'timestamp').map((s) => s.key.keyID)).not.toContain(next);
    two.forget('ACME');
    expect(two.tufSigners('ACME', 'timestamp').map((s) => s.key.keyID)).toContain(next);
  });

  it('forget() without a tenant drops every tenant’s keys (after missed news from the others)', () => {
    const one = new FileKeyService(dir, 'a shared passphrase');
    const two = new FileKeyService(dir, 'a shared passphrase');
    one.generateTufKeys('ACME', ['snapshot']);
    expect(two.tufSigners('ACME', 'snapshot')).toHaveLength(1);
    one.generateTufKeys('ACME', ['snapshot']);
    two.forget();
    expect(two.tufSigners('ACME', 'snapshot')).toHaveLength(2);
  });

  it('an instance that found no TUF key for a tenant sees the key another instance makes, unannounced', () => {
    const one = new FileKeyService(dir, 'a shared passphrase');
    const two = new FileKeyService(dir, 'a shared passphrase');
    expect(two.tufSigners('NEW', 'timestamp')).toEqual([]);
    const made = one.generateTufKeys('NEW', ['timestamp']).timestamp.key.keyID;
    expect(two.tufSigner('NEW', 'timestamp')?.key.keyID).toBe(made);
  });
});

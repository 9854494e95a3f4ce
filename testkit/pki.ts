/**
 * Test certificates for TLS and mTLS, made with the openssl command in a directory: P-256 keys,
 * valid for a day. Callers check `hasCommand('openssl')` (testkit/tools.ts) first.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export class TestPki {
  /** `.crt` by default; some tests name certificates `.pem`. */
  readonly certSuffix: string;

  constructor(
    readonly dir: string,
    options: { certSuffix?: string } = {},
  ) {
    this.certSuffix = options.certSuffix ?? '.crt';
    mkdirSync(dir, { recursive: true });
  }

  /** A self-signed CA: `<name>.key` and `<name><certSuffix>`. */
  ca(name: string, cn = name): void {
    this.#openssl('req', '-x509', ...P256, '-keyout', `${name}.key`, '-out', `${name}${this.certSuffix}`, '-subj', `/CN=${cn}`, '-days', '1');
  }

  /** A key and a certificate for `cn` signed by the CA `ca`, with the X.509v3 extensions `ext` (e.g. `extendedKeyUsage=clientAuth`). */
  issue(name: string, cn: string, ca: string, ext: string): void {
    this.#openssl('req', ...P256, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(this.dir, `${name}.ext`), ext);
    const caCert = `${ca}${this.certSuffix}`;
    this.#openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      caCert,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}${this.certSuffix}`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }

  /** The bytes of a file made here, e.g. `file('ca.crt')`. */
  file(name: string): Buffer {
    return readFileSync(join(this.dir, name));
  }

  #openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}

/**
 * The CLI's environment, read in one place. Commands receive these values; nothing else reads
 * process.env.
 */
export interface CliEnvironment {
  /** Passphrase for key files (OSPREY_PASSPHRASE); --passphrase-file wins over it. */
  passphrase: string | undefined;
  pkcs11: { module: string | undefined; tokenLabel: string | undefined; pin: string | undefined };
  /** Whether to draw progress bars: only on a terminal. */
  interactive: boolean;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    passphrase: env.OSPREY_PASSPHRASE,
    pkcs11: {
      module: env.OSPREY_PKCS11_MODULE,
      tokenLabel: env.OSPREY_PKCS11_TOKEN,
      pin: env.OSPREY_PKCS11_PIN,
    },
    interactive: Boolean(process.stderr.isTTY) && !env.CI,
  };
}

/**
 * A slot written by an external update handler: RAUC, SWUpdate or a script does the writing, the
 * agent keeps everything else (TUF, decryption, the state machine, the bootloader, health check,
 * rollback, reporting). The contract, for a handler configured as `[program, ...args]`:
 *
 *   program ...args write <a|b>     stdin: the verified plaintext image, exactly OSPREY_IMAGE_LENGTH
 *                                   bytes. Exit 0 once the image is durable in that slot; anything
 *                                   else fails the install (stderr's last lines are reported).
 *   program ...args verify <a|b>    exit 0 if and only if the slot holds exactly the image
 *                                   (OSPREY_IMAGE_LENGTH, OSPREY_IMAGE_SHA256); used after a restart.
 *
 * Environment: OSPREY_SLOT (a|b), OSPREY_SLOT_PATH (the configured name of the slot: a partition,
 * a RAUC slot, a directory), OSPREY_IMAGE_LENGTH, OSPREY_IMAGE_SHA256.
 *
 * The agent hashes what it sends and holds the last chunk back until the whole image matched the
 * signed length and SHA-256: a handler sees the end of its input only for the signed image. On any
 * failure the agent kills the handler (SIGKILL) before that, so a handler that commits only after
 * reading a complete input of the announced length never commits a wrong or partial image.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { checkDigest, SlotError, type Slot, type SlotDigest, type SlotId } from './types.js';

export interface CommandSlotOptions {
  /** The handler: program and leading arguments; `write <slot>` or `verify <slot>` is appended. */
  readonly command: readonly [string, ...string[]];
  /** Extra environment for the handler. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long `verify` may take (ms). Default 10 minutes (it may read a whole partition). */
  readonly verifyTimeoutMs?: number;
}

const STDERR_KEEP = 2048;

export class CommandSlot implements Slot {
  constructor(
    readonly id: SlotId,
    /** The handler's name for the slot (OSPREY_SLOT_PATH). */
    readonly path: string,
    private readonly options: CommandSlotOptions,
  ) {}

  #spawn(
    verb: 'write' | 'verify',
    expected: SlotDigest,
  ): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
    const [program, ...args] = this.options.command;
    const child = spawn(program, [...args, verb, this.id], {
      stdio: [verb === 'write' ? 'pipe' : 'ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        ...this.options.env,
        OSPREY_SLOT: this.id,
        OSPREY_SLOT_PATH: this.path,
        OSPREY_IMAGE_LENGTH: String(expected.length),
        OSPREY_IMAGE_SHA256: expected.sha256,
      },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_KEEP)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      child.once('error', (e) => resolve({ code: null, signal: null, stderr: `${this.options.command[0]}: ${e.message}` }));
      child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
    });
    return { child, exited };
  }

  #failed(verb: string, result: { code: number | null; signal: NodeJS.Signals | null; stderr: string }): SlotError {
    const how = result.code === null && result.signal === null ? 'could not run' : `exited with ${result.code ?? result.signal}`;
    const code = verb === 'verify' ? 'VERIFY_FAILED' : 'COMMAND_FAILED';
    return new SlotError(
      code,
      this.id,
      `slot ${this.id}: the update handler ${this.options.command[0]} ${verb} ${how}${result.stderr ? `: ${result.stderr.split('\n').slice(-3).join(' | ')}` : ''}`,
    );
  }

  async write(source: AsyncIterable<Uint8Array>, expected: SlotDigest): Promise<SlotDigest> {
    checkDigest(this.id, expected);
    const { child, exited } = this.#spawn('write', expected);
    const stdin = child.stdin!;
    stdin.on('error', () => undefined); // EPIPE when the handler quits early: seen through `exited`
    let handlerGone = false;
    void exited.then(() => (handlerGone = true));
    const send = async (bytes: Uint8Array): Promise<void> => {
      if (handlerGone || stdin.destroyed) throw this.#failed('write', await exited);
      if (!stdin.write(bytes)) {
        // `once` rejects on the pipe's 'error' (EPIPE): the handler quit, which `exited` explains.
        await Promise.race([once(stdin, 'drain').catch(() => undefined), exited]);
        if (handlerGone || stdin.destroyed) throw this.#failed('write', await exited);
      }
    };
    try {
      const hash = createHash('sha256');
      let length = 0;
      let held: Uint8Array | undefined;
      for await (const chunk of source) {
        length += chunk.byteLength;
        if (length > expected.length)
          throw new SlotError('SOURCE_TOO_LONG', this.id, `slot ${this.id}: the image stream exceeds its signed length of ${expected.length} bytes`);
        hash.update(chunk);
        if (held) await send(held);
        held = chunk;
      }
      if (length !== expected.length)
        throw new SlotError('SOURCE_TRUNCATED', this.id, `slot ${this.id}: the image stream ended after ${length} of ${expected.length} bytes`);
      const sha256 = hash.digest('hex');
      if (sha256 !== expected.sha256)
        throw new SlotError('SOURCE_MISMATCH', this.id, `slot ${this.id}: the image stream has SHA-256 ${sha256}, expected ${expected.sha256}`);
      // The whole image matched: only now does the handler get its last bytes and the end of input.
      if (held) await send(held);
      stdin.end();
      const result = await exited;
      if (result.code !== 0) throw this.#failed('write', result);
      return { length: expected.length, sha256: expected.sha256 };
    } catch (e) {
      child.kill('SIGKILL');
      await exited;
      throw e;
    }
  }

  async verify(expected: SlotDigest): Promise<void> {
    checkDigest(this.id, expected);
    const { child, exited } = this.#spawn('verify', expected);
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.verifyTimeoutMs ?? 600_000);
    try {
      const result = await exited;
      if (result.code !== 0) throw this.#failed('verify', result);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * CommandSlot with a real handler (a POSIX shell script that follows the contract: copy stdin to a
 * temporary file, check its length, rename it into place only then): the image arrives whole; a
 * stream that is wrong, short or long never reaches the handler's end of input (it is killed and
 * commits nothing); a failing handler is reported with its stderr; verify asks the handler.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settledCode } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../../testkit/hash.js';
import { CommandSlot } from './command-slot.js';
import { isSlotError } from './types.js';

const dir = tempDirForFile('osprey-command-slot-');

const HANDLER = join(dir, 'handler.sh');
writeFileSync(
  HANDLER,
  `#!/bin/sh
set -eu
verb="$1"; slot="$2"
[ -n "\${FAIL:-}" ] && { echo "handler: cannot open $OSPREY_SLOT_PATH: device busy" >&2; exit 3; }
case "$verb" in
  write)
    cat > "$OSPREY_SLOT_PATH.tmp"
    [ "$(wc -c < "$OSPREY_SLOT_PATH.tmp")" -eq "$OSPREY_IMAGE_LENGTH" ] || { echo "short input" >&2; exit 4; }
    mv "$OSPREY_SLOT_PATH.tmp" "$OSPREY_SLOT_PATH"
    echo "$slot" > "$OSPREY_SLOT_PATH.slot" ;;
  verify)
    [ -f "$OSPREY_SLOT_PATH" ] && [ "$(sha256sum < "$OSPREY_SLOT_PATH" | cut -d' ' -f1)" = "$OSPREY_IMAGE_SHA256" ] ;;
  *) exit 2 ;;
esac
`,
);
chmodSync(HANDLER, 0o755);

const IMAGE = randomBytes(3 * 65536 + 11);
const digest = { length: IMAGE.length, sha256: sha256(IMAGE) };
async function* chunks(bytes: Buffer = IMAGE, size = 65536): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
const code = (p: Promise<unknown>): Promise<string> => settledCode(p, (e) => isSlotError(e), 'ok');

describe('CommandSlot: the update handler contract', () => {
  let n = 0;
  const slot = (env: Record<string, string> = {}) => new CommandSlot('b', join(dir, `slot-${++n}.img`), { command: ['sh', HANDLER], env });

  it('hands the verified image to `handler write b` and asks `handler verify b`', async () => {
    const s = slot();
    expect(await s.write(chunks(), digest)).toEqual(digest);
    expect(readFileSync(s.path).equals(IMAGE)).toBe(true);
    expect(readFileSync(`${s.path}.slot`, 'utf8').trim()).toBe('b');
    await s.verify(digest);
    expect(await code(s.verify({ length: IMAGE.length, sha256: 'a'.repeat(64) }))).toBe('VERIFY_FAILED');
  });

  it('a stream with the wrong hash, too short or too long: the handler is killed before its input ends and commits nothing', async () => {
    const wrong = Buffer.from(IMAGE);
    wrong[wrong.length - 1]! ^= 1;
    for (const [source, expected] of [
      [chunks(wrong), 'SOURCE_MISMATCH'],
      [chunks(IMAGE.subarray(0, IMAGE.length - 1)), 'SOURCE_TRUNCATED'],
      [chunks(Buffer.concat([IMAGE, Buffer.alloc(1)])), 'SOURCE_TOO_LONG'],
    ] as const) {
      const s = slot();
      expect(await code(s.write(source, digest))).toBe(expected);
      expect(existsSync(s.path)).toBe(false);
    }
  });

  it('a failing handler: COMMAND_FAILED with its exit code and stderr', async () => {
    const s = slot({ FAIL: '1' });
    const error = await s.write(chunks(), digest).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isSlotError(error, 'COMMAND_FAILED'), String(error)).toBe(true);
    expect(error!.message).toMatch(/exited with 3: handler: cannot open .* device busy/);
  });

  it('a handler that does not exist: COMMAND_FAILED saying so', async () => {
    const s = new CommandSlot('a', join(dir, 'never.img'), { command: [join(dir, 'no-such-handler')] });
    const error = await s.write(chunks(), digest).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isSlotError(error, 'COMMAND_FAILED')).toBe(true);
    expect(error!.message).toMatch(/could not run: .*ENOENT/);
  });
});

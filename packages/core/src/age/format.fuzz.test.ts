/**
 * Fuzzing the age header, the first bytes a device parses of a payload it has not authenticated
 * yet: whatever the bytes, parseHeader and unwrapHeader answer with an OspreyError of an AGE_*
 * code or a header that re-encodes to exactly the bytes it was read from (one encoding per
 * header, so nothing in it is malleable), and a file key comes out only from an intact stanza
 * for our own key under a correct header MAC.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../../testkit/fuzz.js';
import { base64NoPad } from '../encoding.js';
import { OspreyError } from '../errors.js';
import { unwrapHeader, wrapHeader } from './age.js';
import { AGE_VERSION_LINE, encodeHeader, encodeStanza, findHeaderEnd, parseHeader, type Stanza } from './format.js';
import { hkdfExtract } from './hpke.js';
import { P256TagIdentity, SoftwareP256KeyAgreement } from './p256tag.js';
import { X25519Identity } from './x25519.js';

const HEADER_CODES = ['AGE_HEADER_INVALID', 'AGE_UNSUPPORTED_VERSION'];
const UNWRAP_CODES = [...HEADER_CODES, 'AGE_STANZA_INVALID', 'AGE_NO_MATCHING_KEY', 'AGE_HEADER_MAC_MISMATCH'];

/** The OspreyError `fn` throws (its code must be one of `codes`); anything else fails the property. */
function refusal(fn: () => unknown, codes: readonly string[]): OspreyError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof OspreyError)) throw e;
    expect(codes).toContain(e.code);
    return e;
  }
}

async function asyncRefusal<T>(promise: Promise<T>, codes: readonly string[]): Promise<{ value?: T; error?: OspreyError }> {
  try {
    return { value: await promise };
  } catch (e) {
    if (!(e instanceof OspreyError)) throw e;
    expect(codes).toContain(e.code);
    return { error: e };
  }
}

const bytes = (max: number, min = 0) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

/** Base64 bodies as a writer makes them (64 columns, then a shorter line) and as a forger might. */
const bodyLines = fc.oneof(
  { weight: 4, arbitrary: bytes(120).map((b) => lines(base64NoPad(b))) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      bytes(60).map((b) => [b.toString('base64')]), // padded
      bytes(60).map((b) => [base64NoPad(b).slice(0, -1)]), // cut: non-canonical trailing bits
      bytes(120).map((b) => [base64NoPad(b)]), // one long line
      bytes(48).map((b) => [base64NoPad(b)]), // exactly 64 columns, no final short line
      fc.array(fc.string({ unit: fc.constantFrom(...'AZaz09+/=-_ \r'.split('')), maxLength: 70 }), { maxLength: 3 }),
    ),
  },
);
function lines(b64: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < b64.length; at += 64) out.push(b64.slice(at, at + 64));
  if (b64.length % 64 === 0) out.push('');
  return out;
}

const argument = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom('X25519', 'p256tag', 'scrypt', 'ssh-ed25519', '---', '->') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a b', 'é', '\t', '\r', '\u0000', '\u00ff') },
);
const stanzaText = fc
  .tuple(fc.array(argument, { minLength: 1, maxLength: 4 }), bodyLines, fc.constantFrom('-> ', '-> ', '-> ', '-> ', '-> ', '->', '-->', ' -> '))
  .map(([args, body, arrow]) => `${arrow}${args.join(' ')}\n${body.map((l) => `${l}\n`).join('')}`);
const macLine = fc.oneof(
  { weight: 4, arbitrary: bytes(32, 32).map((b) => `--- ${base64NoPad(b)}`) },
  { weight: 1, arbitrary: fc.constantFrom('---', '--- ', '----', '---\t') },
  { weight: 1, arbitrary: bytes(40).map((b) => `--- ${b.toString('base64')}`) },
);
const versionLine = fc.oneof(
  { weight: 6, arbitrary: fc.constant(AGE_VERSION_LINE) },
  { weight: 1, arbitrary: fc.constantFrom('age-encryption.org/v2', 'age-encryption.org/v1 ', 'age-encryption.org/', 'AGE-ENCRYPTION.ORG/V1', '') },
);
/** Headers from the grammar of format.ts, a few of them cut or with a stray character. */
const headerText = fc
  .tuple(
    versionLine,
    fc.array(stanzaText, { maxLength: 4 }),
    macLine,
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.string({ maxLength: 2 })) }),
  )
  .map(([version, stanzas, mac, stray]) => {
    const text = `${version}\n${stanzas.join('')}${mac}\n`;
    if (stray === null) return Buffer.from(text, 'latin1');
    const at = stray[0] % (text.length + 1);
    return Buffer.from(text.slice(0, at) + stray[1] + text.slice(at + (stray[1] === '' ? 1 : 0)), 'latin1');
  });

/** An accepted header is exactly what encoding its parts gives: no other bytes parse to it. */
function expectCanonical(header: Buffer): void {
  const parsed = parseHeader(header);
  const reencoded = Buffer.concat([
    Buffer.from(`${AGE_VERSION_LINE}\n${parsed.stanzas.map(encodeStanza).join('')}---`, 'latin1'),
    Buffer.from(` ${base64NoPad(parsed.mac)}\n`, 'latin1'),
  ]);
  expect(reencoded.equals(header)).toBe(true);
  expect(parsed.length).toBe(header.length);
  expect(parsed.macInput.equals(header.subarray(0, parsed.macInput.length))).toBe(true);
  expect(parsed.mac.length).toBe(32);
  // Where a stream reader would cut the header off a file.
  expect(findHeaderEnd(Buffer.concat([header, randomBytes(40), Buffer.from('\n--- x\n')]))).toBe(header.length);
}

// --- keys and a real header for them ------------------------------------------------------------

const x25519 = X25519Identity.generate();
const p256 = new P256TagIdentity(SoftwareP256KeyAgreement.generate());
const fileKey = randomBytes(16);
const OURS: readonly Stanza[] = [
  ...(await x25519.recipient.wrapFileKey(fileKey)),
  ...p256.recipient.wrapFileKey(fileKey),
  ...X25519Identity.generate().recipient.wrapFileKey(fileKey), // another device's
];

/** The p256tag tag (p256tag.ts), so that a forged stanza is tried, not skipped. */
function p256Tag(enc: Uint8Array): string {
  const recipientHash = createHash('sha256').update(p256.recipient.compressed).digest().subarray(0, 4);
  return base64NoPad(hkdfExtract(Buffer.from('age-encryption.org/p256tag'), Buffer.concat([enc, recipientHash])).subarray(0, 4));
}

/** Stanzas an attacker can write: ours changed a little, low-order X25519 shares, off-curve P-256 points, unknown types. */
const stanza: fc.Arbitrary<Stanza> = fc.oneof(
  fc.constantFrom(...OURS),
  fc.tuple(fc.constantFrom(...OURS), fc.nat(), fc.nat({ max: 7 })).map(([s, at, bit]) => {
    const body = Buffer.from(s.body);
    body[at % body.length]! ^= 1 << bit;
    return { ...s, body };
  }),
  fc
    .tuple(fc.constantFrom(...OURS), fc.nat())
    .map(([s, at]) => ({ ...s, args: s.args.map((a, i) => (i === at % s.args.length ? base64NoPad(randomBytes(32)) : a)) })),
  fc.constantFrom(Buffer.alloc(32), Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]), Buffer.alloc(32, 0xff)).map((share) => ({
    type: 'X25519',
    args: [base64NoPad(share)],
    body: randomBytes(32),
  })),
  bytes(64).map((point) => {
    const enc = Buffer.concat([Buffer.from([4]), point, Buffer.alloc(64 - point.length)]);
    return { type: 'p256tag', args: [p256Tag(enc), base64NoPad(enc)], body: randomBytes(32) };
  }),
  fc.record({
    type: fc.constantFrom('X25519', 'p256tag', 'scrypt', 'piv-p256'),
    args: fc.array(fc.constantFrom('AAAA', base64NoPad(randomBytes(32)), base64NoPad(randomBytes(65)), 'x'), { maxLength: 3 }),
    body: bytes(80),
  }),
);

describe('fuzz: age header', () => {
  it('fuzz: random bytes are refused with an AGE_* header error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          bytes(300),
          bytes(300).map((b) => Buffer.concat([Buffer.from(`${AGE_VERSION_LINE}\n`), b])),
        ),
        (b) => {
          if (!refusal(() => parseHeader(b), HEADER_CODES)) expectCanonical(b);
        },
      ),
      fuzzParams(2000),
    );
  });

  it('fuzz: a header from the grammar parses to the one encoding it came from, or is refused', () => {
    let accepted = 0;
    fc.assert(
      fc.property(headerText, (header) => {
        if (!refusal(() => parseHeader(header), HEADER_CODES)) {
          accepted++;
          expectCanonical(header);
        }
      }),
      // A well-formed header, so that the accepting side always runs whatever the budget.
      fuzzParams(2000, {
        examples: [
          [
            Buffer.from(
              `${AGE_VERSION_LINE}\n-> X25519 ${base64NoPad(randomBytes(32))}\n${base64NoPad(randomBytes(32))}\n--- ${base64NoPad(randomBytes(32))}\n`,
              'latin1',
            ),
          ],
        ],
      }),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('fuzz: a file key comes out only from an intact stanza of ours under a correct header MAC', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stanza, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('right key', 'right key', 'other key'),
        fc.option(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { freq: 3 }),
        async (stanzas, macKey, flip) => {
          const header = encodeHeader(macKey === 'right key' ? fileKey : randomBytes(16), stanzas);
          if (flip) header[flip[0] % header.length]! ^= 1 << flip[1];
          const cases: Array<[Array<X25519Identity | P256TagIdentity>, Stanza[]]> = [
            [[x25519], [OURS[0]!]],
            [[p256], [OURS[1]!]],
            [
              [p256, x25519],
              [OURS[0]!, OURS[1]!],
            ],
          ];
          for (const [identities, usable] of cases) {
            const { value } = await asyncRefusal(unwrapHeader(header, identities), UNWRAP_CODES);
            if (value === undefined) continue;
            expect(value.equals(fileKey)).toBe(true);
            expect(macKey).toBe('right key');
            expect(flip).toBeNull();
            expect(stanzas.some((s) => usable.includes(s))).toBe(true);
          }
        },
      ),
      fuzzParams(300),
    );
  });

  it('fuzz: a header made by wrapHeader is canonical and opens with its key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.nat(), async (others, at) => {
        const key = randomBytes(16);
        const recipients = Array.from({ length: others }, () => X25519Identity.generate().recipient);
        recipients.splice(at % (others + 1), 0, x25519.recipient);
        const header = await wrapHeader(key, recipients);
        expectCanonical(header);
        expect((await unwrapHeader(header, [x25519])).equals(key)).toBe(true);
      }),
      fuzzParams(30),
    );
  });
});

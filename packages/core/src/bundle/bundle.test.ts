/**
 * The bundle writer on its own: manifest and entry order, what it refuses to write, and a payload
 * source that yields more or fewer bytes than announced. (Reading is tested in the agent.)
 */
import { describe, expect, it } from 'vitest';
import { extract } from 'tar-stream';
import type { Readable } from 'node:stream';
import { bundleManifest, bundleManifestSchema, packBundle, sortMetadataNames, type BundleInput } from './index.js';

async function* bytes(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function entries(tar: Readable): Promise<Array<{ name: string; data: string }>> {
  const out: Array<{ name: string; data: string }> = [];
  const parts: Buffer[] = [];
  for await (const chunk of tar) parts.push(chunk as Buffer);
  const reader = extract();
  reader.end(Buffer.concat(parts));
  for await (const entry of reader) {
    const parts: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) parts.push(chunk);
    out.push({ name: entry.header.name, data: Buffer.concat(parts).toString() });
  }
  return out;
}

const metadata = new Map([
  ['3.targets.json', Buffer.from('{"t":3}')],
  ['timestamp.json', Buffer.from('{"ts":1}')],
  ['10.root.json', Buffer.from('{"r":10}')],
  ['3.snapshot.json', Buffer.from('{"s":3}')],
  ['2.root.json', Buffer.from('{"r":2}')],
]);
const input = (over: Partial<BundleInput> = {}): BundleInput => ({
  targetPath: 'gw-os-1.0.0.age',
  metadata,
  header: Buffer.from('age-header'),
  payload: { length: 7, source: bytes('pay', 'load') },
  ...over,
});

describe('packBundle', () => {
  it('writes the manifest, the metadata in the order a client reads it, the header and the payload last', async () => {
    const written = await entries(packBundle(input()));
    expect(written.map((e) => e.name)).toEqual([
      'osprey-bundle.json',
      'metadata/2.root.json',
      'metadata/10.root.json',
      'metadata/timestamp.json',
      'metadata/3.snapshot.json',
      'metadata/3.targets.json',
      'header.age',
      'payload',
    ]);
    const manifest = bundleManifestSchema.parse(JSON.parse(written[0]!.data));
    expect(manifest).toEqual({
      format: 'osprey-bundle/1',
      targetPath: 'gw-os-1.0.0.age',
      metadata: written.slice(1, 6).map((e) => e.name),
      header: true,
      payload: { length: 7 },
    });
    expect(written.at(-1)!.data).toBe('payload');
    expect(sortMetadataNames(['targets.json', 'snapshot.json', 'timestamp.json'])).toEqual(['timestamp.json', 'snapshot.json', 'targets.json']);
  });

  it('refuses input no reader would accept', () => {
    expect(() => bundleManifest(input({ targetPath: '../x.age' }))).toThrow(/target path/);
    expect(() => bundleManifest(input({ metadata: new Map([['../timestamp.json', Buffer.from('{}')]]) }))).toThrow(/not a TUF metadata file name/);
    expect(() => bundleManifest(input({ metadata: new Map([['root.json', Buffer.from('{}')]]) }))).toThrow(/not a TUF metadata file name/);
    expect(() => bundleManifest(input({ metadata: new Map([['2.snapshot.json', Buffer.from('{}')]]) }))).toThrow(/lacks metadata\/timestamp.json/);
    expect(() => bundleManifest(input({ metadata: new Map([['timestamp.json', Buffer.alloc(1024 * 1024 + 1)]]) }))).toThrow(/larger than/);
  });

  it('fails when the payload source yields more or fewer bytes than announced', async () => {
    await expect(entries(packBundle(input({ payload: { length: 8, source: bytes('pay', 'load') } })))).rejects.toThrow(
      /ended after 7 of the announced 8 bytes/,
    );
    await expect(entries(packBundle(input({ payload: { length: 6, source: bytes('pay', 'load') } })))).rejects.toThrow(/longer than the announced 6 bytes/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_IMAGE } from '../../src/images/base-image.js';
import { ImageBuilder } from '../../src/images/image-builder.js';
import { hashSources } from '../../src/images/source-hash.js';
import { silentReporter } from '../../src/log.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';

describe('image builds', () => {
  it('builds an image once, then finds it by its content-addressed tag', async () => {
    const runtime = new FakeRuntime();
    runtime.addImage(BASE_IMAGE);
    let builds = 0;
    const build = runtime.buildImage.bind(runtime);
    runtime.buildImage = (spec, onProgress) => {
      builds++;
      return build(spec, onProgress);
    };
    const first = await new ImageBuilder(runtime, silentReporter).ensure(['postgres', 'redis']);
    expect(builds).toBe(2);
    expect(first.get('postgres')?.tag).toMatch(/^asymmetric\/postgres:[0-9a-f]{12}$/);
    const again = await new ImageBuilder(runtime, silentReporter).ensure(['postgres', 'redis']);
    expect(builds).toBe(2);
    expect(again.get('postgres')).toEqual(first.get('postgres'));
  });

  it('a different base image means new tags (images are rebuilt on top of it)', async () => {
    const tags = async () => {
      const runtime = new FakeRuntime();
      runtime.addImage(BASE_IMAGE); // a fresh random image id each time
      return (await new ImageBuilder(runtime, silentReporter).ensure(['redis'])).get('redis')?.tag;
    };
    expect(await tags()).not.toBe(await tags());
  });

  it('hashes sources by path and content, so any edit changes the tag and nothing else does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asym-hash-'));
    writeFileSync(join(dir, 'a.txt'), 'one');
    writeFileSync(join(dir, 'b.txt'), 'two');
    const before = hashSources([dir], [], dir);
    expect(hashSources([dir], [], dir)).toBe(before);
    writeFileSync(join(dir, 'b.txt'), 'two!');
    expect(hashSources([dir], [], dir)).not.toBe(before);
    expect(hashSources([dir], ['parent:x'], dir)).not.toBe(hashSources([dir], ['parent:y'], dir));
  });
});

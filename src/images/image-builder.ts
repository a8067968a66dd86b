import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsymError, isAsymError } from '../errors.js';
import type { Reporter } from '../log.js';
import { PROJECT_ROOT } from '../paths.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime, ImageState } from '../runtime/types.js';
import { BASE_IMAGE, ensureBaseImage } from './base-image.js';
import { type ImageRecipe, imageRecipes } from './image-catalog.js';
import { hashSources } from './source-hash.js';

export interface BuiltImage {
  name: string;
  tag: string;
  /** The image id (sha256:...), which names exactly what runs. */
  digest: string;
}

/**
 * Makes sure the named project images exist, building (with their parents) only those
 * whose sources changed. Tags are content-addressed: `asymmetric/<name>:<source hash>`.
 */
export class ImageBuilder {
  private readonly recipes = imageRecipes();
  private readonly resolved = new Map<string, Promise<BuiltImage>>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly reporter: Reporter,
  ) {}

  async ensure(names: string[]): Promise<Map<string, BuiltImage>> {
    const result = new Map<string, BuiltImage>();
    // Sequential: on a 2-core machine parallel builds only slow each other down.
    for (const name of names) result.set(name, await this.ensureOne(name));
    return result;
  }

  allImageNames(): string[] {
    return [...this.recipes.keys()];
  }

  private ensureOne(name: string): Promise<BuiltImage> {
    let pending = this.resolved.get(name);
    if (!pending) {
      pending = this.resolve(name);
      this.resolved.set(name, pending);
    }
    return pending;
  }

  private async resolve(name: string): Promise<BuiltImage> {
    const recipe = this.recipes.get(name);
    if (!recipe) throw new Error(`No image recipe named ${name}`);
    const parent = recipe.parent === 'base' ? await this.base() : await this.ensureOne('node');
    const hash = hashSources(
      recipe.sources,
      [...recipe.extraInputs, `parent:${parent.digest}`],
      PROJECT_ROOT,
    );
    const tag = `asymmetric/${name}:${hash.slice(0, 12)}`;
    const existing = await this.runtime.inspectImage(tag);
    if (existing) return { name, tag, digest: existing.id };
    const built = await this.build(recipe, tag, hash, parent);
    return { name, tag, digest: built.id };
  }

  private async base(): Promise<BuiltImage> {
    const image = await ensureBaseImage(this.runtime, this.reporter);
    return { name: 'base', tag: BASE_IMAGE, digest: image.id };
  }

  private async build(
    recipe: ImageRecipe,
    tag: string,
    hash: string,
    parent: BuiltImage,
  ): Promise<ImageState> {
    const contextDir = await mkdtemp(join(tmpdir(), `asym-build-${recipe.name}-`));
    this.reporter.step(`Building image ${tag}`);
    try {
      await recipe.prepare(contextDir);
      return await this.runtime.buildImage(
        {
          tag,
          contextDir,
          buildArgs: recipe.parent === 'base' ? { BASE_IMAGE: parent.tag } : { NODE_IMAGE: parent.tag },
          labels: { [LABEL.managed]: 'true', [LABEL.image]: recipe.name, [LABEL.sourceHash]: hash },
        },
        (line) => this.reporter.detail(line),
      );
    } catch (error) {
      if (isAsymError(error) && error.code !== 'DOCKER_ERROR') throw error;
      throw new AsymError('IMAGE_BUILD_FAILED', `Building image ${tag} failed: ${(error as Error).message}`, {
        hint: 'Run again with ASYM_DEBUG=1 to see the full build log.',
        cause: error,
      });
    } finally {
      await rm(contextDir, { recursive: true, force: true });
    }
  }
}

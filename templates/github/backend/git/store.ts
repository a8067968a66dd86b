import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from '../../../_shared/log.js';
import type { BuiltHistory } from '../seed/history.js';
import { type GitRun, runGit } from './git-process.js';
import { type GitObjectType, writeLooseObject } from './objects.js';

/** What the store needs of a repository row. */
export interface RepoHandle {
  id: number;
  seed: string | null;
  default_branch: string;
}

export interface GitObjectRead {
  sha: string;
  type: GitObjectType | 'missing';
  body: Buffer;
}

/**
 * The repositories' git side: one bare repository per repository id under `root` (ids, so a
 * rename moves nothing). Objects are content-addressed and never rewritten: the seeded ones
 * are built from code (the same on every boot), later ones are also kept in
 * `asym.git_objects` so a new container gets them back. The refs are the database's
 * (`git_refs`, restored by reset and checkpoints): a repository's refs on disk are rewritten
 * from it on first use after a reset or an API change, so a reset moves no objects at all.
 */
export class GitStore {
  /** Repositories whose refs on disk match the database. */
  private readonly synced = new Set<number>();
  /** Repositories whose objects (seed and kept) are on disk in this process. */
  private readonly materialized = new Set<number>();
  private readonly pending = new Map<number, Promise<string>>();

  constructor(
    readonly root: string,
    private readonly pool: pg.Pool,
    private readonly histories: Readonly<Record<string, BuiltHistory>>,
    private readonly log: Logger,
  ) {}

  dir(id: number): string {
    return join(this.root, `${id}.git`);
  }

  /** After a reset, restore or reseed: every repository's refs come from the database again. */
  invalidateAll(): void {
    this.synced.clear();
  }

  /** After the API changed a repository's refs in the database. */
  invalidate(id: number): void {
    this.synced.delete(id);
  }

  /** The repository on disk with the database's refs; returns its git dir. */
  ensure(repo: RepoHandle): Promise<string> {
    if (this.synced.has(repo.id)) return Promise.resolve(this.dir(repo.id));
    const running = this.pending.get(repo.id);
    if (running) return running;
    const work = this.prepare(repo).finally(() => this.pending.delete(repo.id));
    this.pending.set(repo.id, work);
    return work;
  }

  private async prepare(repo: RepoHandle): Promise<string> {
    const dir = this.dir(repo.id);
    if (!this.materialized.has(repo.id)) {
      await this.initBare(dir);
      const history = repo.seed ? this.histories[repo.seed] : undefined;
      if (history) for (const object of history.objects.values()) await writeLooseObject(dir, object);
      const { rows } = await this.pool.query<{ sha: string; type: GitObjectType; body: Buffer }>(
        'SELECT sha, type, body FROM asym.git_objects WHERE repo_id = $1',
        [repo.id],
      );
      for (const row of rows) await writeLooseObject(dir, row);
      this.materialized.add(repo.id);
    }
    await this.writeRefs(repo, dir);
    this.synced.add(repo.id);
    return dir;
  }

  private async initBare(dir: string): Promise<void> {
    try {
      await stat(join(dir, 'HEAD'));
      return;
    } catch {
      // a new repository
    }
    for (const sub of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info'])
      await mkdir(join(dir, sub), { recursive: true });
    // receivepack: pushes are authenticated by the backend before git sees them.
    await writeFile(
      join(dir, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n[http]\n\treceivepack = true\n[receive]\n\tdenyNonFastForwards = false\n[uploadpack]\n\tallowAnySHA1InWant = true\n',
    );
    await writeFile(join(dir, 'HEAD'), 'ref: refs/heads/main\n');
  }

  /** Replaces every ref on disk with the database's (one packed-refs file). */
  private async writeRefs(repo: RepoHandle, dir: string): Promise<void> {
    const { rows } = await this.pool.query<{ name: string; sha: string }>(
      'SELECT name, sha FROM git_refs WHERE repo_id = $1 ORDER BY name COLLATE "C"',
      [repo.id],
    );
    await rm(join(dir, 'refs'), { recursive: true, force: true });
    await mkdir(join(dir, 'refs', 'heads'), { recursive: true });
    await mkdir(join(dir, 'refs', 'tags'), { recursive: true });
    const lines = rows.map((row) => `${row.sha} ${row.name}\n`).join('');
    await writeFile(join(dir, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted \n${lines}`);
    await writeFile(join(dir, 'HEAD'), `ref: refs/heads/${repo.default_branch}\n`);
  }

  async git(repo: RepoHandle, args: readonly string[], options?: GitRun): Promise<Buffer> {
    const dir = await this.ensure(repo);
    return (await runGit(['--git-dir', dir, ...args], options)).stdout;
  }

  /** The refs git has on disk now (after a push). */
  async diskRefs(repo: RepoHandle): Promise<Map<string, string>> {
    const out = await runGit([
      '--git-dir',
      this.dir(repo.id),
      'for-each-ref',
      '--format=%(objectname) %(refname)',
    ]);
    const refs = new Map<string, string>();
    for (const line of out.stdout.toString('utf8').split('\n')) {
      const [sha, name] = line.split(' ');
      if (sha && name) refs.set(name, sha);
    }
    return refs;
  }

  /** Reads objects (`cat-file --batch`); a missing one comes back as type `missing`. */
  async readObjects(repo: RepoHandle, shas: readonly string[]): Promise<GitObjectRead[]> {
    if (shas.length === 0) return [];
    const out = await this.git(repo, ['cat-file', '--batch'], { input: `${shas.join('\n')}\n` });
    const objects: GitObjectRead[] = [];
    let at = 0;
    for (const requested of shas) {
      const end = out.indexOf(0x0a, at);
      const header = out.subarray(at, end).toString('utf8');
      at = end + 1;
      const [sha, type, size] = header.split(' ');
      if (type === 'missing' || size === undefined) {
        objects.push({ sha: requested, type: 'missing', body: Buffer.alloc(0) });
        continue;
      }
      const length = Number(size);
      objects.push({ sha: sha as string, type: type as GitObjectType, body: out.subarray(at, at + length) });
      at += length + 1;
    }
    return objects;
  }

  /**
   * Keeps the objects reachable from `tips` and not from `known` in the database, so they
   * outlive the container's disk. Called after a push and after the API writes a commit.
   */
  async keep(repo: RepoHandle, tips: readonly string[], known: readonly string[]): Promise<void> {
    if (tips.length === 0) return;
    const listed = await this.git(repo, ['rev-list', '--objects', '--stdin'], {
      input: `${[...tips, ...known.map((sha) => `^${sha}`)].join('\n')}\n`,
    });
    const shas = listed
      .toString('utf8')
      .split('\n')
      .map((line) => line.slice(0, 40))
      .filter((sha) => /^[0-9a-f]{40}$/.test(sha));
    const history = repo.seed ? this.histories[repo.seed] : undefined;
    const fresh = shas.filter((sha) => !history?.objects.has(sha));
    for (let start = 0; start < fresh.length; start += 500) {
      const objects = await this.readObjects(repo, fresh.slice(start, start + 500));
      const present = objects.filter((o) => o.type !== 'missing');
      if (present.length === 0) continue;
      await this.pool.query(
        `INSERT INTO asym.git_objects (repo_id, sha, type, body)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bytea[]) ON CONFLICT DO NOTHING`,
        [repo.id, present.map((o) => o.sha), present.map((o) => o.type), present.map((o) => o.body)],
      );
    }
    this.log.info(`git: kept ${fresh.length} new objects of repository ${repo.id}`);
  }
}

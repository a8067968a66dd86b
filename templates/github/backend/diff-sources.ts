import type { Queryable } from '../../_shared/db.js';
import type { DiffSource, Row } from '../../_shared/diff.js';
import { iso } from './render.js';

/**
 * GitHub's objects for `diff`, in API terms: `issue`, `pull_request` (its issue and its pull
 * row), `comment`, `review`, `review_comment`, `label`, `milestone`, `ref` (branches and tags:
 * a push or merge shows as the ref moving to a new `commit`), `repository`, `release`,
 * `status`, `check_run`, `hook`, `reaction`, `collaborator`.
 */
export async function githubDiffSources(db: Queryable): Promise<DiffSource[]> {
  const { rows } = await db.query<{ id: number; full: string }>(
    "SELECT r.id, o.login || '/' || r.name AS full FROM repositories r JOIN accounts o ON o.id = r.owner_id",
  );
  const repos = new Map(rows.map((r) => [Number(r.id), r.full]));
  const repoName = (row: Row) => repos.get(Number(row.repo_id)) ?? String(row.repo_id);
  const times = (row: Row, keys: string[]) =>
    Object.fromEntries(keys.map((k) => [k, iso(row[k] as string | null)]));
  const plain = (row: Row, drop: string[] = []) =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !drop.includes(k) && !k.endsWith('_at')));
  return [
    {
      table: 'issues',
      type: (row) => (row.is_pull ? 'pull_request' : 'issue'),
      ignore: ['updated_at'],
      id: (row) => `${repoName(row)}#${row.number}`,
      render: (row) => ({
        repository: repoName(row),
        number: row.number,
        title: row.title,
        body: row.body,
        state: row.state,
        state_reason: row.state_reason,
        locked: row.locked,
        ...times(row, ['created_at', 'closed_at']),
      }),
    },
    {
      table: 'pulls',
      type: 'pull_request',
      id: (row) => `pull:${row.id}`,
      render: (row) => ({
        head: row.head_ref,
        head_sha: row.head_sha,
        base: row.base_ref,
        draft: row.draft,
        merged: row.merged_at !== null,
        merge_commit_sha: row.merge_commit_sha,
      }),
    },
    {
      table: 'git_refs',
      type: 'ref',
      key: ['repo_id', 'name'],
      id: (row) => `${repoName(row)}:${row.name}`,
      render: (row) => ({ repository: repoName(row), ref: row.name, commit: row.sha }),
    },
    {
      table: 'comments',
      type: 'comment',
      ignore: ['updated_at'],
      id: (row) => String(row.id),
      render: (row) => ({ id: row.id, body: row.body, user_id: row.user_id, ...times(row, ['created_at']) }),
    },
    { table: 'reviews', type: 'review', id: (row) => String(row.id), render: (row) => plain(row) },
    {
      table: 'review_comments',
      type: 'review_comment',
      ignore: ['updated_at'],
      id: (row) => String(row.id),
      render: (row) => plain(row),
    },
    {
      table: 'labels',
      type: 'label',
      id: (row) => `${repoName(row)}:${row.name}`,
      render: (row) => plain(row, ['repo_id']),
    },
    {
      table: 'issue_labels',
      type: 'issue_label',
      key: ['issue_id', 'label_id'],
      id: (row) => `${row.issue_id}:${row.label_id}`,
      render: (row) => plain(row),
    },
    {
      table: 'issue_assignees',
      type: 'assignee',
      key: ['issue_id', 'user_id'],
      id: (row) => `${row.issue_id}:${row.user_id}`,
      render: (row) => plain(row),
    },
    {
      table: 'milestones',
      type: 'milestone',
      ignore: ['updated_at'],
      id: (row) => `${repoName(row)}:${row.number}`,
      render: (row) => plain(row, ['repo_id']),
    },
    {
      table: 'repositories',
      type: 'repository',
      ignore: ['updated_at', 'pushed_at', 'next_number'],
      id: (row) => repoName(row),
      render: (row) => plain(row, ['next_number', 'seed']),
    },
    { table: 'releases', type: 'release', id: (row) => String(row.id), render: (row) => plain(row) },
    {
      table: 'statuses',
      type: 'status',
      ignore: ['updated_at'],
      id: (row) => String(row.id),
      render: (row) => plain(row),
    },
    { table: 'check_runs', type: 'check_run', id: (row) => String(row.id), render: (row) => plain(row) },
    {
      table: 'hooks',
      type: 'hook',
      ignore: ['updated_at'],
      id: (row) => String(row.id),
      render: (row) => ({ ...plain(row), config: { url: (row.config as { url?: string }).url } }),
    },
    { table: 'reactions', type: 'reaction', id: (row) => String(row.id), render: (row) => plain(row) },
    {
      table: 'collaborators',
      type: 'collaborator',
      key: ['repo_id', 'user_id'],
      id: (row) => `${repoName(row)}:${row.user_id}`,
      render: (row) => plain(row),
    },
  ];
}

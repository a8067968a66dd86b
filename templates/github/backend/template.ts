import type { CloneTemplate, TimeColumn, Timeline } from '../../_shared/template.js';
import { ACME_ANCHOR, acmeCorp } from '../fixtures/acme-corp.js';
import { githubDiffSources } from './diff-sources.js';
import { emptyGithub } from './seed/empty.js';
import { type GithubIdentity, type GithubTokens, githubIdentity, mintGithubTokens } from './tokens.js';

const tz = (...columns: string[]): Record<string, TimeColumn> =>
  Object.fromEntries(columns.map((column) => [column, 'timestamptz' as const]));

/**
 * Every time of the GitHub schema moves with the timeline. Commit dates do not: they are
 * inside the git objects, whose SHAs must stay the same on every seed and reset, so seeded
 * commits keep their fixed dates (the weeks before 2024-03-23) while issues and pull
 * requests land around today.
 */
export const GITHUB_TIMELINE: Timeline = {
  anchors: { 'acme-corp': ACME_ANCHOR, '': 1_700_006_400 },
  columns: {
    accounts: tz('created_at', 'updated_at'),
    repositories: tz('created_at', 'updated_at', 'pushed_at'),
    milestones: tz('due_on', 'created_at', 'updated_at', 'closed_at'),
    issues: tz('created_at', 'updated_at', 'closed_at'),
    pulls: tz('merged_at'),
    comments: tz('created_at', 'updated_at'),
    reviews: tz('submitted_at'),
    review_comments: tz('created_at', 'updated_at'),
    statuses: tz('created_at', 'updated_at'),
    check_runs: tz('started_at', 'completed_at'),
    releases: tz('created_at', 'published_at'),
    reactions: tz('created_at'),
    hooks: tz('created_at', 'updated_at'),
    issue_events: tz('created_at'),
  },
};

export const githubTemplate: CloneTemplate<GithubIdentity, GithubTokens> = {
  name: 'github',
  fixtures: { 'acme-corp': acmeCorp },
  emptyFixture: emptyGithub,
  timeline: GITHUB_TIMELINE,
  identity: githubIdentity,
  credentialTables: ['github_tokens', 'github_listen_secrets'],
  mintTokens: mintGithubTokens,
  diffSources: (db) => githubDiffSources(db),
};

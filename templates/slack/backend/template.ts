import type { CloneTemplate } from '../../_shared/template.js';
import { acmeCorp } from '../fixtures/acme-corp.js';
import { slackDiffSources } from './diff-sources.js';
import { minimalWorkspace } from './seed/minimal-workspace.js';
import { mintSlackTokens, type SlackIdentity, type SlackTokens, slackIdentity } from './tokens.js';

/** The Slack template as the shared runtime sees it. Fixture names match manifest.yaml. */
export const slackTemplate: CloneTemplate<SlackIdentity, SlackTokens> = {
  name: 'slack',
  fixtures: { 'acme-corp': acmeCorp },
  emptyFixture: minimalWorkspace,
  identity: slackIdentity,
  credentialTables: ['tokens', 'app_secrets'],
  mintTokens: mintSlackTokens,
  diffSources: (db) => slackDiffSources(db),
};

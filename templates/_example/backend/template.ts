import type { CloneTemplate } from '../../_shared/template.js';
import { mintToken } from '../../_shared/tokens.js';
import { DEMO_ANCHOR, demo } from '../fixtures/demo.js';

export interface ExampleIdentity {
  account: string;
}

export interface ExampleTokens {
  apiKey: string;
}

/** The template as the kit's runtime sees it: fixtures, timeline, tokens, diff. */
export const exampleTemplate: CloneTemplate<ExampleIdentity, ExampleTokens> = {
  name: 'example',
  fixtures: { demo },
  emptyFixture: async () => undefined,
  timeline: { anchors: { demo: DEMO_ANCHOR, '': DEMO_ANCHOR }, columns: { notes: { created: 's' } } },
  identity: async () => ({ account: 'example' }),
  credentialTables: ['api_keys'],
  async mintTokens(db) {
    const key = mintToken({ prefix: 'ex_', length: 32 });
    await db.query('UPDATE asym.api_keys SET revoked_at = now() WHERE revoked_at IS NULL');
    await db.query('INSERT INTO asym.api_keys (key_sha256) VALUES ($1)', [key.sha256]);
    return { apiKey: key.token };
  },
  diffSources: async () => [
    { table: 'notes', type: 'note', id: (row) => String(row.id), render: (row) => row },
  ],
};

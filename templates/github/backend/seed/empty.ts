import type { Queryable } from '../../../_shared/db.js';

/** The least the API needs without a fixture: one user and one bot for the tokens to act as. */
export async function emptyGithub(db: Queryable): Promise<void> {
  const at = new Date(1_700_006_400 * 1000);
  await db.query(
    `INSERT INTO accounts (login, type, name, email, created_at, updated_at) VALUES
     ('octocat', 'User', 'The Octocat', 'octocat@example.test', $1, $1),
     ('asym-bot', 'Bot', 'Asymmetric Bot', 'bot@example.test', $1, $1)`,
    [at],
  );
}

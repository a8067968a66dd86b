-- The GitHub clone: accounts (users, bots and organisations share one id space, as on
-- GitHub), repositories and their refs (the git objects live on disk, content-addressed;
-- the refs here are the truth that reset and checkpoints restore), issues and pull requests
-- (one number sequence per repository), and what hangs off them.

-- One id sequence for every object: ids never collide across types, so a node id
-- (type + id) and an integer id name the same thing.
CREATE SEQUENCE object_ids START 1000;

CREATE TABLE accounts (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  login text NOT NULL,
  type text NOT NULL CHECK (type IN ('User', 'Organization', 'Bot')),
  name text,
  email text,
  company text,
  location text,
  bio text,
  blog text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX accounts_login ON accounts (lower(login));

CREATE TABLE org_members (
  org_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE repositories (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  owner_id bigint NOT NULL REFERENCES accounts,
  name text NOT NULL,
  description text,
  homepage text,
  private boolean NOT NULL DEFAULT false,
  default_branch text NOT NULL DEFAULT 'main',
  topics text[] NOT NULL DEFAULT '{}',
  has_issues boolean NOT NULL DEFAULT true,
  has_projects boolean NOT NULL DEFAULT true,
  has_wiki boolean NOT NULL DEFAULT true,
  archived boolean NOT NULL DEFAULT false,
  allow_merge_commit boolean NOT NULL DEFAULT true,
  allow_squash_merge boolean NOT NULL DEFAULT true,
  allow_rebase_merge boolean NOT NULL DEFAULT true,
  delete_branch_on_merge boolean NOT NULL DEFAULT false,
  -- The seeded history whose objects this repository starts from (null: created empty).
  seed text,
  next_number integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  pushed_at timestamptz
);
CREATE UNIQUE INDEX repositories_name ON repositories (owner_id, lower(name));

CREATE TABLE collaborators (
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  permission text NOT NULL CHECK (permission IN ('pull', 'triage', 'push', 'maintain', 'admin')),
  PRIMARY KEY (repo_id, user_id)
);

CREATE TABLE git_refs (
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  name text NOT NULL,
  sha text NOT NULL,
  PRIMARY KEY (repo_id, name)
);

CREATE TABLE branch_protections (
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  branch text NOT NULL,
  required_approving_review_count integer,
  required_status_checks text[],
  strict boolean NOT NULL DEFAULT false,
  enforce_admins boolean NOT NULL DEFAULT false,
  allow_force_pushes boolean NOT NULL DEFAULT false,
  allow_deletions boolean NOT NULL DEFAULT false,
  PRIMARY KEY (repo_id, branch)
);

CREATE TABLE labels (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  name text NOT NULL,
  color text NOT NULL,
  description text,
  is_default boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX labels_name ON labels (repo_id, lower(name));

CREATE TABLE milestones (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  number integer NOT NULL,
  title text NOT NULL,
  description text,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  due_on timestamptz,
  creator_id bigint REFERENCES accounts,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  closed_at timestamptz,
  UNIQUE (repo_id, number)
);

CREATE TABLE issues (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  number integer NOT NULL,
  title text NOT NULL,
  body text,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  state_reason text,
  user_id bigint NOT NULL REFERENCES accounts,
  locked boolean NOT NULL DEFAULT false,
  active_lock_reason text,
  milestone_id bigint REFERENCES milestones ON DELETE SET NULL,
  is_pull boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  closed_at timestamptz,
  closed_by_id bigint REFERENCES accounts,
  UNIQUE (repo_id, number)
);

CREATE TABLE issue_labels (
  issue_id bigint NOT NULL REFERENCES issues ON DELETE CASCADE,
  label_id bigint NOT NULL REFERENCES labels ON DELETE CASCADE,
  PRIMARY KEY (issue_id, label_id)
);

CREATE TABLE issue_assignees (
  issue_id bigint NOT NULL REFERENCES issues ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  PRIMARY KEY (issue_id, user_id)
);

-- A pull request is an issue (its number, title, body, comments) plus this row.
CREATE TABLE pulls (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  issue_id bigint NOT NULL UNIQUE REFERENCES issues ON DELETE CASCADE,
  head_ref text NOT NULL,
  head_sha text NOT NULL,
  base_ref text NOT NULL,
  draft boolean NOT NULL DEFAULT false,
  maintainer_can_modify boolean NOT NULL DEFAULT false,
  merged_at timestamptz,
  merge_commit_sha text,
  merged_by_id bigint REFERENCES accounts
);

CREATE TABLE requested_reviewers (
  pull_id bigint NOT NULL REFERENCES pulls ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
  PRIMARY KEY (pull_id, user_id)
);

CREATE TABLE comments (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  issue_id bigint NOT NULL REFERENCES issues ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX comments_issue ON comments (issue_id, id);

CREATE TABLE reviews (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  pull_id bigint NOT NULL REFERENCES pulls ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts,
  state text NOT NULL CHECK (state IN ('PENDING', 'COMMENTED', 'APPROVED', 'CHANGES_REQUESTED', 'DISMISSED')),
  body text NOT NULL DEFAULT '',
  commit_id text NOT NULL,
  submitted_at timestamptz
);

CREATE TABLE review_comments (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  pull_id bigint NOT NULL REFERENCES pulls ON DELETE CASCADE,
  review_id bigint REFERENCES reviews ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES accounts,
  body text NOT NULL,
  path text NOT NULL,
  line integer,
  side text NOT NULL DEFAULT 'RIGHT',
  commit_id text NOT NULL,
  in_reply_to_id bigint,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE statuses (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  sha text NOT NULL,
  state text NOT NULL CHECK (state IN ('error', 'failure', 'pending', 'success')),
  context text NOT NULL DEFAULT 'default',
  description text,
  target_url text,
  creator_id bigint NOT NULL REFERENCES accounts,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE check_runs (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  head_sha text NOT NULL,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  conclusion text,
  details_url text,
  external_id text,
  output jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz,
  completed_at timestamptz
);

CREATE TABLE releases (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  tag_name text NOT NULL,
  target_commitish text NOT NULL,
  name text,
  body text,
  draft boolean NOT NULL DEFAULT false,
  prerelease boolean NOT NULL DEFAULT false,
  author_id bigint NOT NULL REFERENCES accounts,
  created_at timestamptz NOT NULL,
  published_at timestamptz
);

CREATE TABLE reactions (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  subject_type text NOT NULL CHECK (subject_type IN ('issue', 'comment', 'review_comment', 'release')),
  subject_id bigint NOT NULL,
  user_id bigint NOT NULL REFERENCES accounts,
  content text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (subject_type, subject_id, user_id, content)
);

CREATE TABLE hooks (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  repo_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
  events text[] NOT NULL,
  active boolean NOT NULL DEFAULT true,
  config jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Timeline events of an issue or pull request (closed, labeled, merged, ...).
CREATE TABLE issue_events (
  id bigint PRIMARY KEY DEFAULT nextval('object_ids'),
  issue_id bigint NOT NULL REFERENCES issues ON DELETE CASCADE,
  actor_id bigint REFERENCES accounts,
  event text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
);

-- Personal access tokens: only their sha256.
CREATE TABLE asym.github_tokens (
  token_sha256 text PRIMARY KEY,
  account_id bigint NOT NULL,
  kind text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Git objects made after the seed (pushes, API commits, merges), so a repository outlives
-- its container's disk: content-addressed, never restored or rewritten (a reset only moves
-- refs back; unreachable objects are harmless, like git's own).
CREATE TABLE asym.git_objects (
  repo_id bigint NOT NULL,
  sha text NOT NULL,
  type text NOT NULL,
  body bytea NOT NULL,
  PRIMARY KEY (repo_id, sha)
);

-- How GitHub describes a person's relation to a repository (issues, comments, reviews).
CREATE FUNCTION author_association(repo bigint, account bigint) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN r.owner_id = account THEN 'OWNER'
    WHEN EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = account) THEN 'MEMBER'
    WHEN EXISTS (SELECT 1 FROM collaborators c WHERE c.repo_id = r.id AND c.user_id = account) THEN 'COLLABORATOR'
    ELSE 'NONE'
  END
  FROM repositories r WHERE r.id = repo
$$;

-- The secret `asymmetric listen` deliveries are signed with (hooks sign with their own).
CREATE TABLE asym.github_listen_secrets (
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

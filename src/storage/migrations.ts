/**
 * The schema, one step per version. PRAGMA user_version records how many steps a
 * database has had; a step never changes once released, so later versions only append.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: deployments, their logs, and every delivery that passed the signature check.
  `
  CREATE TABLE deployments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    trigger TEXT NOT NULL CHECK (trigger IN ('push', 'manual', 'recovery')),
    ref TEXT NOT NULL,
    requested_sha TEXT,
    head_before TEXT,
    head_after TEXT,
    queued_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    -- What was under way, and the process group doing it, so that a restart after a
    -- crash can say what was interrupted and end what the dead process left running.
    phase TEXT CHECK (phase IN ('git', 'command')),
    process_group INTEGER,
    process_started TEXT
  );
  CREATE INDEX deployments_by_status ON deployments (status, id);

  -- Apart from deployments: lists never read a megabyte of output they do not show.
  CREATE TABLE deployment_logs (
    deployment_id INTEGER PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    text TEXT NOT NULL
  );

  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    event TEXT,
    received_at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('queued', 'duplicate', 'ignored', 'pong', 'rejected')),
    reason TEXT,
    status_code INTEGER NOT NULL,
    sha TEXT,
    deployment_id INTEGER REFERENCES deployments (id) ON DELETE CASCADE
  );
  -- Deduplication: an id is accepted once, and that survives restarts.
  CREATE UNIQUE INDEX deliveries_accepted ON deliveries (delivery_id) WHERE outcome = 'queued';
  CREATE INDEX deliveries_by_deployment ON deliveries (deployment_id, seq);
  CREATE INDEX deliveries_by_id ON deliveries (delivery_id);
  `,
  // 2: the fetch of a deployment runs while the work tree is still being checked; a crash
  // then must not reset the tracked files (they may hold the operator's edits).
  `
  ALTER TABLE deployments ADD COLUMN git_step TEXT CHECK (git_step IN ('fetch'));
  `,
  // 3: targets (issue 10). Every deployment and delivery belongs to one; what a single-target
  // release wrote belongs to env-only mode's target, `default`. Per target: deduplication,
  // the one waiting deployment, and the lists.
  `
  ALTER TABLE deployments ADD COLUMN target TEXT NOT NULL DEFAULT 'default';
  ALTER TABLE deliveries ADD COLUMN target TEXT NOT NULL DEFAULT 'default';

  -- The same delivery id sent to two targets is two deliveries.
  DROP INDEX deliveries_accepted;
  CREATE UNIQUE INDEX deliveries_accepted ON deliveries (target, delivery_id) WHERE outcome = 'queued';
  DROP INDEX deliveries_by_id;
  CREATE INDEX deliveries_by_target_id ON deliveries (target, delivery_id);
  -- GET /deliveries?target=x, newest first.
  CREATE INDEX deliveries_by_target ON deliveries (target, seq);

  -- Pushes coalesce into the waiting deployment: a target has at most one.
  CREATE UNIQUE INDEX deployments_waiting ON deployments (target) WHERE status = 'queued';
  -- GET /deployments?target=x (newest first), with ?status=, and a target's last success.
  CREATE INDEX deployments_by_target ON deployments (target, id);
  CREATE INDEX deployments_by_target_status ON deployments (target, status, id);
  `,
  // 4: releasing safely (issue 11). A `rollback` trigger and the release steps need wider
  // CHECKs, which SQLite changes only by rebuilding the table (openDatabase runs the steps
  // with foreign keys off, so the drop does not cascade into logs and deliveries).
  // New: the deployment a rollback returns to, the release directory a deployment made
  // and the one `current` pointed to before its switch (what a crash recovery switches
  // back to), the outcome of the report to the forge; a paused flag per target.
  `
  CREATE TABLE deployments_v4 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    trigger TEXT NOT NULL CHECK (trigger IN ('push', 'manual', 'recovery', 'rollback')),
    ref TEXT NOT NULL,
    requested_sha TEXT,
    head_before TEXT,
    head_after TEXT,
    queued_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    phase TEXT CHECK (phase IN ('git', 'command', 'build', 'switch', 'activate', 'health')),
    process_group INTEGER,
    process_started TEXT,
    git_step TEXT CHECK (git_step IN ('fetch')),
    target TEXT NOT NULL DEFAULT 'default',
    rollback_of INTEGER,
    release TEXT,
    previous_release TEXT,
    report TEXT
  );
  INSERT INTO deployments_v4 (id, status, trigger, ref, requested_sha, head_before, head_after, queued_at, started_at, finished_at, error, phase, process_group, process_started, git_step, target) SELECT id, status, trigger, ref, requested_sha, head_before, head_after, queued_at, started_at, finished_at, error, phase, process_group, process_started, git_step, target FROM deployments;
  -- Ids are never reused, not even those of pruned deployments.
  UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'deployments'), 0))
    WHERE name = 'deployments_v4';
  DROP TABLE deployments;
  ALTER TABLE deployments_v4 RENAME TO deployments;
  CREATE INDEX deployments_by_status ON deployments (status, id);
  -- Pushes coalesce into the one waiting push deployment; a rollback waits apart from it
  -- (it goes first, and a push waiting behind it is not lost).
  CREATE UNIQUE INDEX deployments_waiting ON deployments (target) WHERE status = 'queued' AND trigger <> 'rollback';
  CREATE UNIQUE INDEX deployments_waiting_rollback ON deployments (target) WHERE status = 'queued' AND trigger = 'rollback';
  CREATE INDEX deployments_by_target ON deployments (target, id);
  CREATE INDEX deployments_by_target_status ON deployments (target, status, id);

  CREATE TABLE target_state (
    target TEXT PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    paused_at TEXT,
    -- Why: "rollback to deployment 12", "paused by an admin".
    paused_reason TEXT
  );
  `,
  // 5: a fleet (issue 13). A deployment of a target with hosts has one row per host, in
  // the order of the target's list (a rolling rollout goes in that order).
  `
  CREATE TABLE deployment_hosts (
    deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
    head_before TEXT,
    head_after TEXT,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    log TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (deployment_id, host)
  );
  `,
  // 6: the fleet's outbox (issue 13). A host row is its own outbox entry: `job_id` is set once
  // the job is in Redis (`dispatched_at`), `sha` is the commit that job carries (a push that
  // joins a waiting deployment changes the commit: a host handed the old one is handed again).
  `
  ALTER TABLE deployment_hosts ADD COLUMN sha TEXT;
  ALTER TABLE deployment_hosts ADD COLUMN job_id TEXT;
  ALTER TABLE deployment_hosts ADD COLUMN dispatched_at TEXT;
  `,
];

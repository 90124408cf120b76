import { createHmac, randomUUID } from 'node:crypto';

/**
 * A branch push as GitHub, GitLab and Gitea deliver it: the payload fields hookdeploy and
 * people look at (the rest of a real payload is sample data), every header the forge
 * sets, and its signature over the exact bytes sent. Self-contained, node:crypto only:
 * the demo shows what a forge sends, not what the tests happen to build.
 */

export type DemoForge = 'github' | 'gitlab' | 'gitea';

export interface DemoPush {
  /** The repository as the forge names it: owner/name (GitLab: group/name). */
  repository: string;
  branch: string;
  before: string;
  after: string;
  message: string;
}

export interface ForgeDelivery {
  id: string;
  headers: Record<string, string>;
  body: string;
}

/** The headers that carry the event, the delivery id and the proof, per forge, for printing. */
export const PROOF_HEADERS: Readonly<Record<DemoForge, { event: string; id: string; proof: string }>> = {
  github: {
    event: 'X-GitHub-Event: push',
    id: 'X-GitHub-Delivery',
    proof: 'X-Hub-Signature-256: sha256=HMAC-SHA256(secret, body)',
  },
  gitlab: {
    event: 'X-Gitlab-Event: Push Hook',
    id: 'Idempotency-Key',
    proof: 'X-Gitlab-Token: the secret itself (GitLab does not sign)',
  },
  gitea: {
    event: 'X-Gitea-Event: push',
    id: 'X-Gitea-Delivery',
    proof: 'X-Gitea-Signature: hex HMAC-SHA256(secret, body)',
  },
};

const hmac = (algorithm: 'sha1' | 'sha256', secret: string, body: string): string =>
  createHmac(algorithm, secret).update(body).digest('hex');

function commit(push: DemoPush, url: string) {
  return {
    id: push.after,
    message: `${push.message}\n`,
    timestamp: new Date().toISOString(),
    url: `${url}/commit/${push.after}`,
    author: { name: 'Demo Developer', email: 'developer@example.invalid', username: 'demo' },
    added: [],
    removed: [],
    modified: ['greeting.txt'],
  };
}

function githubPush(push: DemoPush): unknown {
  const [owner, name] = push.repository.split('/');
  const html = `https://github.com/${push.repository}`;
  return {
    ref: `refs/heads/${push.branch}`,
    before: push.before,
    after: push.after,
    created: false,
    deleted: false,
    forced: false,
    compare: `${html}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
    commits: [commit(push, html)],
    head_commit: commit(push, html),
    repository: {
      name,
      full_name: push.repository,
      owner: { login: owner, name: owner },
      html_url: html,
      clone_url: `${html}.git`,
      default_branch: push.branch,
    },
    pusher: { name: 'demo', email: 'developer@example.invalid' },
    sender: { login: 'demo', type: 'User' },
  };
}

function gitlabPush(push: DemoPush): unknown {
  const web = `https://gitlab.example.com/${push.repository}`;
  return {
    object_kind: 'push',
    event_name: 'push',
    before: push.before,
    after: push.after,
    ref: `refs/heads/${push.branch}`,
    ref_protected: true,
    checkout_sha: push.after,
    user_name: 'Demo Developer',
    user_username: 'demo',
    project_id: 15,
    project: {
      id: 15,
      name: push.repository.split('/').at(-1),
      path_with_namespace: push.repository,
      web_url: web,
      git_http_url: `${web}.git`,
      default_branch: push.branch,
    },
    commits: [commit(push, web)],
    total_commits_count: 1,
    repository: { name: push.repository.split('/').at(-1), homepage: web, git_http_url: `${web}.git` },
  };
}

function giteaPush(push: DemoPush): unknown {
  const [owner, name] = push.repository.split('/');
  const html = `https://gitea.example.com/${push.repository}`;
  const user = { id: 1, login: 'demo', username: 'demo', email: 'developer@example.invalid' };
  return {
    ref: `refs/heads/${push.branch}`,
    before: push.before,
    after: push.after,
    compare_url: `${html}/compare/${push.before}...${push.after}`,
    commits: [commit(push, html)],
    total_commits: 1,
    head_commit: commit(push, html),
    repository: {
      id: 1,
      owner: { ...user, login: owner, username: owner },
      name,
      full_name: push.repository,
      html_url: html,
      clone_url: `${html}.git`,
      default_branch: push.branch,
    },
    pusher: user,
    sender: user,
  };
}

/** The push `forge` would deliver for `push`, signed (or, for GitLab, tokened) with `secret`. */
export function forgePushDelivery(forge: DemoForge, push: DemoPush, secret: string): ForgeDelivery {
  const id = randomUUID();
  switch (forge) {
    case 'github': {
      const body = JSON.stringify(githubPush(push));
      return {
        id,
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/a1b2c3d',
          accept: '*/*',
          'x-github-event': 'push',
          'x-github-delivery': id,
          'x-github-hook-id': '1',
          'x-github-hook-installation-target-type': 'repository',
          'x-hub-signature': `sha1=${hmac('sha1', secret, body)}`,
          'x-hub-signature-256': `sha256=${hmac('sha256', secret, body)}`,
        },
      };
    }
    case 'gitlab': {
      const body = JSON.stringify(gitlabPush(push));
      return {
        id,
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitLab/18.4.0',
          'x-gitlab-event': 'Push Hook',
          'x-gitlab-token': secret,
          'x-gitlab-instance': 'https://gitlab.example.com',
          'x-gitlab-webhook-uuid': randomUUID(),
          'x-gitlab-event-uuid': randomUUID(),
          'idempotency-key': id,
        },
      };
    }
    case 'gitea': {
      // services/webhook/deliver.go: Gitea's own headers, Gogs' and GitHub's copies.
      const body = JSON.stringify(giteaPush(push));
      const signature = hmac('sha256', secret, body);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Go-http-client/1.1',
      };
      for (const product of ['gitea', 'gogs']) {
        headers[`x-${product}-delivery`] = id;
        headers[`x-${product}-event`] = 'push';
        headers[`x-${product}-event-type`] = 'push';
        headers[`x-${product}-signature`] = signature;
      }
      return {
        id,
        body,
        headers: {
          ...headers,
          'x-github-delivery': id,
          'x-github-event': 'push',
          'x-github-event-type': 'push',
          'x-hub-signature': `sha1=${hmac('sha1', secret, body)}`,
          'x-hub-signature-256': `sha256=${signature}`,
        },
      };
    }
  }
}

import type { ForgeName } from '../domain/forge-name.js';
import type { ReportSettings } from '../domain/target.js';
import { BITBUCKET_API, BitbucketClient } from './bitbucket-client.js';
import { BitbucketServerClient } from './bitbucket-server-client.js';
import type { Fetch, ForgeClient } from './forge-client.js';
import { GiteaClient } from './gitea-client.js';
import { GITHUB_API, GitHubClient } from './github-client.js';
import { GITLAB_API, GitLabClient } from './gitlab-client.js';

/** The public API root of the forges that have one; the self-hosted ones need `apiUrl` (the schema says so). */
const PUBLIC_API: Partial<Record<ForgeName, string>> = {
  github: GITHUB_API,
  gitlab: GITLAB_API,
  bitbucket: BITBUCKET_API,
};

/** The client of a target's forge, with its settings. */
export function forgeClient(forge: ForgeName, settings: ReportSettings, timeoutMs: number, fetch?: Fetch): ForgeClient {
  const apiUrl = settings.apiUrl ?? PUBLIC_API[forge];
  if (apiUrl === undefined) throw new Error(`report.apiUrl is required for forge ${forge}`);
  const { token } = settings;
  switch (forge) {
    case 'github':
      return new GitHubClient(token, apiUrl, timeoutMs, fetch);
    case 'gitlab':
      return new GitLabClient(token, apiUrl, timeoutMs, fetch);
    case 'gitea':
      return new GiteaClient('Gitea', token, apiUrl, timeoutMs, fetch);
    case 'forgejo':
      return new GiteaClient('Forgejo', token, apiUrl, timeoutMs, fetch);
    case 'bitbucket':
      return new BitbucketClient(token, apiUrl, timeoutMs, fetch);
    case 'bitbucket-server':
      return new BitbucketServerClient(token, apiUrl, timeoutMs, fetch);
  }
}

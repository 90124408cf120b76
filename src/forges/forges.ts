import type { ForgeName } from '../domain/forge-name.js';
import { bitbucketServer } from './bitbucket-server.js';
import { bitbucket } from './bitbucket.js';
import type { ForgeAdapter } from './forge.js';
import { forgejo, gitea } from './gitea.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';

/** Every forge's adapter: adding a forge is one file in this folder and one line here. */
export const FORGES: Readonly<Record<ForgeName, ForgeAdapter>> = {
  github,
  gitlab,
  gitea,
  forgejo,
  bitbucket,
  'bitbucket-server': bitbucketServer,
};

export function forgeAdapter(name: ForgeName): ForgeAdapter {
  return FORGES[name];
}

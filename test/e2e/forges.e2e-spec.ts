import { afterAll, beforeAll, describe } from '@jest/globals';
import { FORGE_NAMES, type ForgeName } from '../../src/domain/forge-name.js';
import { TargetsService } from '../fixtures/targets-service.js';
import { bitbucketServerQuirks } from './forges/bitbucket-server.js';
import { bitbucketQuirks } from './forges/bitbucket.js';
import { forgeContractRows, forgeTargets, type ForgeQuirks, type ForgeRun } from './forges/forge-contract.js';
import { giteaLikeQuirks } from './forges/gitea-like.js';
import { githubQuirks } from './forges/github.js';
import { gitlabQuirks } from './forges/gitlab.js';

/**
 * The "real payloads, signed as each forge signs", end to end: every forge's
 * deliveries, exactly as it sends them, to targets of every forge in one built process.
 * The same rows for each forge (forges/forge-contract.ts), then each forge's quirks.
 */
const QUIRKS: Record<ForgeName, ForgeQuirks> = {
  github: githubQuirks,
  gitea: giteaLikeQuirks(['gitea']),
  forgejo: giteaLikeQuirks(['forgejo', 'gitea']),
  gitlab: gitlabQuirks,
  bitbucket: bitbucketQuirks,
  'bitbucket-server': bitbucketServerQuirks,
};

let service: TargetsService;

beforeAll(async () => {
  service = await TargetsService.start(
    FORGE_NAMES.flatMap((forge) => [...forgeTargets(forge), ...(QUIRKS[forge].targets ?? [])]),
  );
}, 60_000);

afterAll(() => service?.remove());

describe.each(FORGE_NAMES)("POST /hooks/:id for a %s target, with the forge's real deliveries", (forge) => {
  const run: ForgeRun = {
    forge,
    get service() {
      return service;
    },
    site: forge,
    twin: `${forge}-twin`,
  };
  forgeContractRows(run);
  QUIRKS[forge].rows?.(run);
});

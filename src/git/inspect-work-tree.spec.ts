import { afterEach, expect, it, jest } from '@jest/globals';
import type { SimpleGit } from 'simple-git';
import { git, GitFixture } from '../../test/fixtures/git-fixture.js';
import { GitCommands } from './git-commands.js';
import { inspectWorkTree } from './inspect-work-tree.js';

/**
 * Every target's work tree is inspected at boot: with 100 targets, each git process of an
 * inspection costs the boot a tenth of a second or more. The usual work tree takes two.
 */
let fixture: GitFixture | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await fixture?.remove();
});

/** The inspection's facts and the git processes it started (simple-git's and runProcess's). */
async function inspectCounting(repoPath: string) {
  const commands = new GitCommands(repoPath);
  const started: string[][] = [];
  const simple = commands.simple.bind(commands);
  jest.spyOn(commands, 'simple').mockImplementation(() => {
    const client = simple();
    const raw = client.raw.bind(client) as (args: string[]) => Promise<string>;
    jest.spyOn(client, 'raw').mockImplementation(((args: string[]) => {
      started.push(args);
      return raw(args);
    }) as SimpleGit['raw']);
    return client;
  });
  const short = commands.short.bind(commands);
  jest.spyOn(commands, 'short').mockImplementation((args) => {
    started.push(args);
    return short(args);
  });
  return { facts: await inspectWorkTree(commands), started };
}

it('inspects a work tree on a branch with two git processes', async () => {
  fixture = await GitFixture.create();
  const { facts, started } = await inspectCounting(fixture.deploy);
  expect(facts).toEqual({ branch: 'main', originUrl: fixture.origin });
  expect(started).toHaveLength(2);
});

it('still says what is wrong without a commit, and finds no branch on a detached HEAD, step by step', async () => {
  fixture = await GitFixture.create();
  await git(fixture.root, 'init', '--quiet', '--initial-branch=main', `${fixture.root}/empty`);
  await expect(inspectWorkTree(new GitCommands(`${fixture.root}/empty`))).rejects.toThrow(/has no commit checked out/);
  await git(fixture.deploy, 'checkout', '--quiet', '--detach');
  expect(await inspectWorkTree(new GitCommands(fixture.deploy))).toEqual({
    branch: undefined,
    originUrl: fixture.origin,
  });
});

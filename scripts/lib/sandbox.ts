import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** No git command of the demo may hang; these are all local and take milliseconds. */
const GIT_TIMEOUT_MS = 15_000;

/**
 * Git without the machine's configuration (hooks, signing, templates, default branch
 * of the person running the demo) and with a fixed identity, so the demo behaves the
 * same everywhere. The service gets these variables too.
 */
export const GIT_ISOLATION: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Demo Developer',
  GIT_AUTHOR_EMAIL: 'developer@example.invalid',
  GIT_COMMITTER_NAME: 'Demo Developer',
  GIT_COMMITTER_EMAIL: 'developer@example.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git in `cwd` and returns its trimmed stdout; failures carry git's own stderr. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...GIT_ISOLATION },
      timeout: GIT_TIMEOUT_MS,
    });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`git ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}

/** The three repositories of the demo, all under one temporary directory. */
export interface Sandbox {
  root: string;
  /** Bare repository standing in for GitHub. */
  origin: string;
  /** The developer's repository, which pushes to origin. */
  dev: string;
  /** The clone hookdeploy keeps up to date: REPO_PATH. */
  deploy: string;
}

/** Creates the temporary directory; the caller owns it from then on and must remove it. */
export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hookdeploy-demo-'));
}

export async function removeTempDir(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/**
 * origin.git (bare), dev with a first commit pushed on main, and deploy cloned from
 * origin afterwards so it starts on main at that first commit.
 */
export async function createRepositories(root: string): Promise<Sandbox> {
  const sandbox: Sandbox = {
    root,
    origin: join(root, 'origin.git'),
    dev: join(root, 'dev'),
    deploy: join(root, 'deploy'),
  };
  await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', sandbox.origin);

  // `init` + `remote add` rather than cloning the empty origin: the branch name of an
  // unborn clone depends on the git version, this does not.
  await mkdir(sandbox.dev);
  await git(sandbox.dev, 'init', '--quiet', '--initial-branch=main');
  await git(sandbox.dev, 'remote', 'add', 'origin', sandbox.origin);
  await writeFile(join(sandbox.dev, 'greeting.txt'), 'Hello\n');
  await git(sandbox.dev, 'add', 'greeting.txt');
  await git(sandbox.dev, 'commit', '--quiet', '-m', 'First commit');
  await git(sandbox.dev, 'push', '--quiet', '-u', 'origin', 'main');

  await git(root, 'clone', '--quiet', sandbox.origin, sandbox.deploy);
  return sandbox;
}

/** The developer edits a file, commits and pushes; returns the commit before and after. */
export async function pushAChange(dev: string, message: string): Promise<{ before: string; after: string }> {
  const before = await git(dev, 'rev-parse', 'HEAD');
  await writeFile(join(dev, 'greeting.txt'), `Hello again, pushed at ${new Date().toISOString()}\n`);
  await git(dev, 'commit', '--quiet', '-am', message);
  await git(dev, 'push', '--quiet', 'origin', 'main');
  const after = await git(dev, 'rev-parse', 'HEAD');
  return { before, after };
}

/**
 * The service's whole environment for a sandbox: nothing inherited but PATH, git isolated,
 * a short DEPLOY_TIMEOUT so that stopping never waits long for a stuck deploy.
 */
export function sandboxServiceEnv(
  sandbox: Sandbox,
  secrets: { githubSecret: string; adminToken: string },
  extra: Record<string, string>,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...GIT_ISOLATION,
    NO_COLOR: '1',
    GITHUB_SECRET: secrets.githubSecret,
    ADMIN_TOKEN: secrets.adminToken,
    REPO_PATH: sandbox.deploy,
    PORT: '0',
    HOST: '127.0.0.1',
    DEPLOY_TIMEOUT: '20',
    ...extra,
  };
}

import { simpleGit, type SimpleGit } from 'simple-git';
import { runProcess, type ProcessOptions } from '../process/run-process.js';
import { GitStepError } from './git.errors.js';
import { gitEnvironment, OPERATOR_ENVIRONMENT_FLAGS } from './git-environment.js';

/** How the caller follows and bounds the update's git processes. */
export type UpdateControl = Pick<ProcessOptions, 'signal' | 'output' | 'onSpawn'>;

/** How much of a failed git command's output becomes the deployment's error. */
const ERROR_OUTPUT_CHARS = 2000;

/** How long a short local query outside a deployment (HEAD, the branch, a path) may take. */
const SHORT_QUERY_TIMEOUT_MS = 30_000;

/** "fetch", "submodule update": the command of `args`, after the `-c name=value` options. */
function commandName(args: readonly string[]): string {
  let start = 0;
  while (args[start] === '-c') start += 2;
  return args.slice(start, args[start] === 'submodule' ? start + 2 : start + 1).join(' ');
}

function stepError(args: readonly string[], result: { timedOut: boolean }, output: string, code: unknown): Error {
  if (result.timedOut) return new GitStepError(`git ${commandName(args)} was stopped: the deploy timed out`);
  return new GitStepError(output.trim() || `git ${commandName(args)} exited with code ${String(code)}`);
}

/** The three ways hookdeploy starts git in one work tree. */
export class GitCommands {
  constructor(readonly repoPath: string) {}

  /**
   * simple-git, for the inspection at boot only (before the server listens, so no client
   * can have pushed the process to its open-file limit): it names the GIT_* settings it
   * refuses. Everything after the boot goes through runProcess (see short()).
   */
  simple(): SimpleGit {
    const { env, allowed } = gitEnvironment();
    return simpleGit({
      baseDir: this.repoPath,
      allowEnvironment: allowed,
      unsafe: OPERATOR_ENVIRONMENT_FLAGS,
      // simple-git only reports failures that wrote to stderr; a git command that fails
      // silently (exit code 1, no output) is a failure here too.
      errors: (error, result) =>
        error ??
        (result.exitCode === 0
          ? undefined
          : new Error(
              Buffer.concat([...result.stdErr, ...result.stdOut])
                .toString()
                .trim() || `git exited with code ${result.exitCode}`,
            )),
    }).env(env);
  }

  /**
   * A short local query outside a deployment (/health, the branch tip), through runProcess like
   * every other git command: a git that cannot start (EMFILE at the open-file limit) is an
   * error here too. simple-git, which ran these before, touches the child's stdout before
   * listening for 'error', and that 'error' then ended the whole service.
   */
  short(args: string[]): Promise<string> {
    return this.query(args, AbortSignal.timeout(SHORT_QUERY_TIMEOUT_MS));
  }

  /**
   * Runs one git command of the update in its own process group, its output in the
   * deployment's log. simple-git can stop git itself but not the fetch, ssh or hooks
   * that git starts; a deploy timeout must end all of them before anything else touches
   * the work tree. `extraEnv`: hookdeploy's own variables (a release's temporary index).
   */
  async run(args: string[], control: UpdateControl, extraEnv: Record<string, string> = {}): Promise<void> {
    const { output } = control;
    output(`$ git ${args.join(' ')}\n`);
    let recent = '';
    const result = await runProcess('git', args, {
      ...control,
      cwd: this.repoPath,
      env: { ...gitEnvironment().env, ...extraEnv },
      output: (chunk) => {
        output(chunk);
        recent = (recent + chunk).slice(-ERROR_OUTPUT_CHARS);
      },
    });
    if (result.timedOut || result.exitCode !== 0) {
      throw stepError(args, result, recent, result.exitCode ?? result.signal);
    }
  }

  /**
   * A read-only git command of a deployment: bounded by the deploy's deadline like the
   * update, in its own process group (a hung `core.fsmonitor` hook would otherwise hold
   * `git status`, and the queue, forever). Resolves with its stdout.
   */
  async query(args: string[], signal: AbortSignal): Promise<string> {
    let answer = '';
    let errors = '';
    const result = await runProcess('git', args, {
      cwd: this.repoPath,
      env: gitEnvironment().env,
      signal,
      stdout: (chunk) => (answer += chunk),
      output: (chunk) => (errors = (errors + chunk).slice(-ERROR_OUTPUT_CHARS)),
    });
    if (result.timedOut || result.exitCode !== 0) {
      throw stepError(args, result, errors, result.exitCode ?? result.signal);
    }
    return answer;
  }
}

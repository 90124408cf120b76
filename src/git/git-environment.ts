import { operatorEnvironment } from '../process/operator-environment.js';

// simple-git strips or refuses the GIT_* environment to protect callers that pass
// untrusted text to git. hookdeploy passes none (the branch is configuration, a sha is
// checked hex), and what would be stripped is the operator's own setup: GIT_SSH_COMMAND
// for a deploy key, GIT_SSL_CAINFO, GIT_CONFIG_GLOBAL. So git gets the environment the
// operator's shell would give it, plus GIT_TERMINAL_PROMPT=0: no prompt for a password
// that nobody will type.
export const OPERATOR_ENVIRONMENT_FLAGS = {
  allowUnsafeSshCommand: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeAskPass: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeExec: true,
} as const;

// Interactive helpers have no use in an unattended pull; simple-git refuses them outright.
const INTERACTIVE_VARIABLES = new Set([
  'EDITOR',
  'VISUAL',
  'PAGER',
  'PREFIX',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
  'GIT_EXTERNAL_DIFF',
]);

/** The environment git runs with, and the GIT_* names in it that simple-git must let through. */
export function gitEnvironment(): { env: Record<string, string>; allowed: string[] } {
  const env = operatorEnvironment();
  for (const name of INTERACTIVE_VARIABLES) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  return { env, allowed: Object.keys(env).filter((key) => key.startsWith('GIT_')) };
}

/**
 * The variables that hand git settings to git (`GIT_CONFIG_KEY_<n>=<name>`, and the names
 * of `GIT_CONFIG_COUNT` and `GIT_CONFIG_PARAMETERS`), for an error message: what the
 * operator must look at when simple-git refuses one. Never a value: a setting's value
 * may be a credential (`http.extraHeader`).
 */
export function gitConfigVariables(env: Record<string, string> = gitEnvironment().env): string[] {
  return Object.keys(env)
    .filter((key) => /^GIT_CONFIG_(KEY_\d+|COUNT|PARAMETERS)$/.test(key))
    .sort()
    .map((key) => (key.startsWith('GIT_CONFIG_KEY_') ? `${key}=${env[key]}` : key));
}

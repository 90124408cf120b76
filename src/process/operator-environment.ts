import { SECRET_VARIABLES } from '../config/app-config.js';

/**
 * The variables whose values are secrets: hookdeploy's own, and those a targets file's
 * `secrets` name (`${SITE_SECRET}`), added at boot and at each reload. Never removed: a
 * secret once used stays out of every child's environment.
 */
const secretVariables = new Set<string>(SECRET_VARIABLES);

export function hideSecretVariables(names: Iterable<string>): void {
  for (const name of names) secretVariables.add(name);
}

/**
 * hookdeploy's environment without its secrets: what git, its hooks and DEPLOY_COMMAND
 * run with. They are the operator's programs, but they have no business with a webhook
 * secret or the admin token.
 */
export function operatorEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  for (const name of secretVariables) delete env[name];
  return env;
}

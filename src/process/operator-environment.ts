import { SECRET_VARIABLES } from '../config/app-config.js';

/**
 * hookdeploy's environment without its own secrets: what git, its hooks and
 * DEPLOY_COMMAND run with. They are the operator's programs, but they have no
 * business with the webhook secret or the admin token.
 */
export function operatorEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  for (const name of SECRET_VARIABLES) delete env[name];
  return env;
}

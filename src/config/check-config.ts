import { ConfigError } from './config.error.js';
import type { Environment } from './env.schema.js';
import { loadServiceConfig } from './load-service-config.js';
import type { ConfigRole } from './target.schema.js';

/** What `--check-config` prints: one `config ok` line, or one line per problem. */
export type ConfigCheck = { ok: true; line: string } | { ok: false; lines: string[] };

/**
 * Everything the boot checks about the configuration, repositories included, and nothing
 * more: no database, no port.
 */
export async function checkConfig(
  env: Environment,
  cwd = process.cwd(),
  role: ConfigRole = 'service',
): Promise<ConfigCheck> {
  try {
    const { targets } = await loadServiceConfig(env, cwd, role);
    return {
      ok: true,
      line: `config ok: ${targets.length} target(s): ${targets.map((target) => target.id).join(', ')}`,
    };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, lines: [...error.problems] };
    return { ok: false, lines: [`could not read the configuration: ${String(error)}`] };
  }
}

import { TARGET_ID_PATTERN } from '../../domain/target.js';
import type { Environment } from '../../config/env.schema.js';
import { parseRedisUrl, REDIS_URL_VARIABLE } from '../redis-url.js';

export const AGENT_SETTINGS = Symbol('AGENT_SETTINGS');

export interface AgentSettings {
  /** AGENT_HOST: this host's name in the hub's `hosts` lists. */
  host: string;
  redisUrl: string;
  /** Jobs of different targets at once (MAX_PARALLEL_DEPLOYS); one target's are serial. */
  concurrency: number;
}

/** AGENT_HOST and REDIS_URL, both required for `hookdeploy agent`: the settings or every problem. */
export function parseAgentEnvironment(env: Environment): Omit<AgentSettings, 'concurrency'> | string[] {
  const problems: string[] = [];
  const host = env.AGENT_HOST?.trim() ?? '';
  if (host === '') problems.push("AGENT_HOST is required for the agent: this host's name in the hub's hosts lists");
  else if (!TARGET_ID_PATTERN.test(host)) {
    problems.push('AGENT_HOST must be 1 to 63 lowercase letters, digits or -, starting with a letter or digit');
  }
  const redis = parseRedisUrl(env);
  if ('problem' in redis) problems.push(redis.problem);
  else if (redis.url === undefined)
    problems.push(`${REDIS_URL_VARIABLE} is required for the agent (redis:// or rediss://)`);
  if (problems.length > 0 || !('url' in redis) || redis.url === undefined) return problems;
  return { host, redisUrl: redis.url };
}

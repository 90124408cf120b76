import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection from REDIS_URL (`rediss://` is TLS). BullMQ's blocking connections
 * need `maxRetriesPerRequest: null`; reconnects go on forever, at most 5 s apart, so a
 * Redis restart is a pause, not an end.
 */
export function redisClient(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(250 * times, 5000),
    ...options,
  });
}

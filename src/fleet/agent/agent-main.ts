import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '../../config/config.error.js';
import { readEnvironment } from '../../config/load-config.js';
import { loadServiceConfig } from '../../config/load-service-config.js';
import { createLogger } from '../../observability/pino-logger.js';
import { hideSecretVariables } from '../../process/operator-environment.js';
import { lockDataDir } from '../../storage/data-dir-lock.js';
import { DatabaseError } from '../../storage/database.error.js';
import { openDatabase } from '../../storage/open-database.js';
import { AgentModule } from './agent.module.js';
import { parseAgentEnvironment } from './agent-settings.js';

const logger = new Logger('hookdeploy');

function stop(message: string): never {
  process.stderr.write(`hookdeploy agent: ${message}\n`);
  process.exit(1);
}

/**
 * `node dist/main.js agent`: the configuration as the hub reads its own (HOOKDEPLOY_CONFIG,
 * the server variables), plus AGENT_HOST and REDIS_URL; then the agent's application
 * context until SIGTERM/SIGINT, which lets the running deploys finish (SIGHUP is logged and ignored).
 */
export async function runAgent(): Promise<void> {
  // Set once the context exists; the signal handlers read it.
  const running: { app?: INestApplicationContext } = {};
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const { app } = running;
      if (!app) process.exit(0);
      logger.log(`${signal} received: taking no more jobs; a running deploy may finish`);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => stop(`shutdown failed: ${String(error)}`),
      );
    });
  }
  // Node's default for SIGHUP ends the process, a running deploy with it (`systemctl reload`,
  // a closed terminal). The agent reads its file once: a change needs a restart.
  process.on('SIGHUP', () => {
    logger.warn('SIGHUP ignored: the agent reads HOOKDEPLOY_CONFIG at start; restart it to apply a change');
  });
  process.on('unhandledRejection', (reason) => {
    logger.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  Object.assign(process.env, readEnvironment());
  const agent = parseAgentEnvironment(process.env);
  if (Array.isArray(agent)) stop(agent.join('; '));
  const config = await loadServiceConfig(process.env, process.cwd(), 'agent').catch((error: unknown) =>
    stop(
      error instanceof ConfigError
        ? ['invalid configuration:', ...error.problems.map((problem) => `  ${problem}`)].join('\n')
        : `could not read the configuration: ${String(error)}`,
    ),
  );
  if (config.source.kind !== 'file')
    stop('HOOKDEPLOY_CONFIG is required: an agent deploys the targets of its own file');
  hideSecretVariables(config.secretVariables);
  const pinoLogger = await createLogger(config);
  Logger.overrideLogger(pinoLogger);
  let storage;
  try {
    const db = openDatabase(config.dataDir);
    storage = { db, unlock: lockDataDir(config.dataDir) };
  } catch (error) {
    stop(error instanceof DatabaseError || error instanceof Error ? error.message : String(error));
  }
  const settings = { ...agent, concurrency: config.maxParallelDeploys };
  const app = await NestFactory.createApplicationContext(AgentModule.forConfig(config, storage, settings), {
    logger: pinoLogger,
    abortOnError: false,
  }).catch((error: unknown) => stop(`could not start: ${String(error)}`));
  running.app = app;
  await app.init();
}

import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { createApp } from './bootstrap.js';
import { checkConfig } from './config/check-config.js';
import { ConfigError } from './config/config.error.js';
import { readEnvironment } from './config/load-config.js';
import { loadServiceConfig } from './config/load-service-config.js';
import type { ServiceConfig } from './config/service-config.js';
import { hideSecretVariables } from './process/operator-environment.js';
import { reloadOnHangup } from './targets/reload-on-hangup.js';
import { createLogger } from './observability/pino-logger.js';
import { DatabaseError } from './storage/database.error.js';

const logger = new Logger('hookdeploy');
let app: NestExpressApplication | undefined;

/** One line on stderr and exit code 1: what an operator needs, no stack trace. */
function stop(message: string): never {
  process.stderr.write(`hookdeploy: ${message}\n`);
  process.exit(1);
}

/**
 * Nest's own shutdown hooks re-raise the signal (exit 143); the contract wants exit 0
 * once the running deploy has finished. Installed first, so a signal during start-up
 * also ends cleanly. A second signal kills at once.
 */
function exitCleanlyOn(signal: NodeJS.Signals): void {
  process.once(signal, () => {
    if (!app) process.exit(0);
    logger.log(`${signal} received: accepting no more deliveries; a running deploy may finish`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => stop(`shutdown failed: ${String(error)}`),
    );
  });
}

/** `--check-config`: the configuration validated as the boot would, then exit; nothing listens or opens. */
async function checkConfigAndExit(): Promise<never> {
  // As at boot: .env joins the environment, which git's checks see too.
  Object.assign(process.env, readEnvironment());
  // `agent --check-config` checks an agent's file, as the agent reads it (no secrets needed).
  const check = await checkConfig(process.env, process.cwd(), process.argv[2] === 'agent' ? 'agent' : 'service');
  if (check.ok) process.stdout.write(`${check.line}\n`);
  else process.stderr.write(check.lines.map((line) => `${line}\n`).join(''));
  process.exit(check.ok ? 0 : 1);
}

async function main(): Promise<void> {
  if (process.argv.includes('--check-config')) await checkConfigAndExit();
  // `node dist/main.js agent`: a fleet's agent (issue 13), no HTTP server.
  if (process.argv[2] === 'agent') return (await import('./fleet/agent/agent-main.js')).runAgent();
  exitCleanlyOn('SIGTERM');
  exitCleanlyOn('SIGINT');
  const hangUpsTo = reloadOnHangup();
  // A deploy tool that dies on an unforeseen rejection takes every later push down with it.
  process.on('unhandledRejection', (reason) => {
    logger.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });

  // .env values join the environment (which wins), as with Nest's ConfigModule: git and
  // DEPLOY_COMMAND see them too, so a GIT_SSH_COMMAND in .env works.
  Object.assign(process.env, readEnvironment());
  const config = await loadServiceConfig(process.env).catch((error: unknown) =>
    stop(error instanceof ConfigError ? configProblems(error) : `could not read the configuration: ${String(error)}`),
  );
  // git and the deploy commands never see a secret, whichever variable holds it.
  hideSecretVariables(config.secretVariables);
  // From here on every line, Nest's own included, goes through pino (LOG_FORMAT, LOG_LEVEL).
  // Nothing is logged before createApp: a boot that fails still prints its one line only.
  const pinoLogger = await createLogger(config);
  Logger.overrideLogger(pinoLogger);
  app = await createApp(config, pinoLogger).catch((error: unknown) =>
    stop(error instanceof DatabaseError ? error.message : `could not start: ${String(error)}`),
  );
  await app
    .listen(config.port, config.host)
    .catch((error: NodeJS.ErrnoException) =>
      stop(`cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`),
    );
  const { port } = app.getHttpServer().address() as AddressInfo;
  logListening(config, port);
  hangUpsTo(app, config);
}

/** A targets file can have many problems: one per line there; env-only mode keeps its one line. */
function configProblems(error: ConfigError): string {
  if (!process.env.HOOKDEPLOY_CONFIG?.trim()) return error.message;
  return ['invalid configuration:', ...error.problems.map((problem) => `  ${problem}`)].join('\n');
}

function logListening(config: ServiceConfig, port: number): void {
  const base = `http://${config.host}:${port}`;
  const [only] = config.targets;
  if (config.source.kind === 'env' && only) {
    logger.log(
      `listening on ${base}${config.webhookPath} — deploying ${only.repository ?? 'any repository'} ` +
        `branch ${only.branch} into ${only.repoPath} (${only.strategy})`,
    );
    return;
  }
  logger.log(
    `listening on ${base}/hooks/ — ${config.targets.length} target(s) from ${config.source.kind === 'file' ? config.source.path : 'the environment'}`,
  );
  for (const target of config.targets) {
    logger.log(
      `target ${target.id}: POST ${base}/hooks/${target.id} (${target.forge}) deploys ${target.repository ?? 'any repository'} ` +
        `branch ${target.branch} into ${target.repoPath} (${target.strategy})`,
    );
  }
}

await main();

import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { reloadTargets } from '../config/load-service-config.js';
import { hideSecretVariables } from '../process/operator-environment.js';
import type { ServiceConfig } from '../config/service-config.js';
import { TargetRegistry } from './target-registry.js';

const logger = new Logger('Config');

/**
 * SIGHUP re-reads the targets file. A valid file applies at once (new targets served,
 * removed ones 404, changed ones from their next deploy); an invalid one changes nothing
 * and its problems are logged. Reloads never overlap: a SIGHUP during one is done after it.
 *
 * Installed first thing at boot: without a handler SIGHUP ends the process, and a reload
 * sent while it starts (a process manager's reload, a deploy script) must not take the
 * service down. One that comes before the application is ready is done once it is.
 * Returns the function that hands over the ready application.
 */
export function reloadOnHangup(): (app: INestApplication, config: ServiceConfig) => void {
  let ready: { app: INestApplication; config: ServiceConfig } | undefined;
  let early = false;
  let reloading: Promise<void> = Promise.resolve();
  const hangUp = (): void => {
    if (ready === undefined) {
      early = true;
      return;
    }
    const { app, config } = ready;
    if (config.source.kind === 'env') {
      logger.log('SIGHUP ignored: without HOOKDEPLOY_CONFIG there is no targets file to re-read');
      return;
    }
    reloading = reloading.then(() => reload(app, config));
  };
  process.on('SIGHUP', hangUp);
  return (app, config) => {
    ready = { app, config };
    if (early) hangUp();
  };
}

async function reload(app: INestApplication, config: ServiceConfig): Promise<void> {
  const path = config.source.kind === 'file' ? config.source.path : '';
  logger.log(`SIGHUP: re-reading ${path}`);
  const result = await reloadTargets(config, process.env);
  if (!result.ok) {
    // One line per problem: a log line never holds a raw newline (they are escaped).
    logger.error(
      `SIGHUP: ${path} is invalid (${result.problems.length} problem(s)); the running configuration stays as it was`,
    );
    for (const problem of result.problems) logger.error(`SIGHUP: ${problem}`);
    return;
  }
  hideSecretVariables(result.secretVariables);
  const change = app.get(TargetRegistry).replace(result.targets);
  const ids = (targets: { id: string }[]): string => targets.map((target) => target.id).join(', ') || 'none';
  logger.log(
    `SIGHUP: applied ${result.targets.length} target(s); added: ${ids(change.added)}; removed: ${ids(change.removed)}; changed: ${ids(change.changed)}`,
  );
}

import 'reflect-metadata';
import { type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { sendNoStoreHeaders } from './common/no-store-headers.js';
import { TimedExpressAdapter } from './common/timed-express-adapter.js';
import type { ServiceConfig } from './config/service-config.js';
import { lockDataDir } from './storage/data-dir-lock.js';
import { openDatabase } from './storage/open-database.js';

/**
 * The application exactly as `main.ts` runs it; e2e tests use this too. The database is
 * opened first, outside Nest, so that a bad file stops the boot with a DatabaseError
 * (one line) rather than a stack trace from inside the module loader.
 */
export async function createApp(config: ServiceConfig, logger?: LoggerService): Promise<NestExpressApplication> {
  const db = openDatabase(config.dataDir);
  let unlock: () => void;
  try {
    unlock = lockDataDir(config.dataDir);
  } catch (error) {
    db.close();
    throw error;
  }
  // GitHub sends at most 25 MiB and gives up after 10 s: HEADERS_TIMEOUT (20 s) and
  // REQUEST_TIMEOUT (60 s) are generous, and a client trickling bytes cannot hold a
  // connection (and its buffered body) for longer. Node answers it 408 and closes.
  const adapter = new TimedExpressAdapter(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, { db, unlock }), adapter, {
    // The webhook reads its own raw bytes (and caps them at 25 MiB) before anything
    // parses them. The few other bodies (login, deploy now) are read by readSmallBody().
    bodyParser: false,
    abortOnError: false,
    // At shutdown, after the running deploy finished, a half-sent request must not keep
    // the process alive for Node's 5-minute request timeout.
    forceCloseConnections: true,
    ...(logger ? { logger } : {}),
  });
  app.disable('x-powered-by');
  // No JSON answer is worth a conditional GET, and Express would hash every body for its ETag.
  app.set('etag', false);
  // req.ip: the client behind the proxies TRUST_PROXY names, else the TCP peer. Express
  // reads X-Forwarded-For from the right and stops at the first address it does not trust.
  app.set('trust proxy', config.trustProxy);
  sendNoStoreHeaders(app.getHttpServer());
  return app;
}

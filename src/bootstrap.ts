import 'reflect-metadata';
import { type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';

/** The application exactly as `main.ts` runs it; e2e tests use this too. */
export async function createApp(config: AppConfig, logger?: LoggerService): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    // The webhook reads its own raw bytes (and caps them at 25 MiB) before anything
    // parses them; no other route takes a body.
    bodyParser: false,
    abortOnError: false,
    ...(logger ? { logger } : {}),
  });
  app.disable('x-powered-by');
  return app;
}

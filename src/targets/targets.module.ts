import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ServiceConfig } from '../config/service-config.js';
import { TargetRegistry } from './target-registry.js';

/** The registry of targets, one for the whole application (reloaded in place on SIGHUP). */
@Global()
@Module({
  providers: [
    {
      provide: TargetRegistry,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ServiceConfig, true>) =>
        new TargetRegistry(config.get('targets', { infer: true }), config.get('webhookPath', { infer: true })),
    },
  ],
  exports: [TargetRegistry],
})
export class TargetsModule {}

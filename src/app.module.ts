import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, RouterModule } from '@nestjs/core';
import type { ServiceConfig } from './config/service-config.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DeploymentsModule } from './deployments/deployments.module.js';
import { EventsModule } from './events/events.module.js';
import { GitModule } from './git/git.module.js';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { ReportModule } from './report/report.module.js';
import { StorageModule, type OpenStorage } from './storage/storage.module.js';
import { TargetsModule } from './targets/targets.module.js';
import { WebhookModule, WebhookPathModule } from './webhook/webhook.module.js';

@Module({})
export class AppModule {
  /** The configuration is validated before Nest starts; ConfigModule hands it out typed. */
  static forConfig(config: ServiceConfig, storage: OpenStorage): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...config })] }),
        EventsModule,
        StorageModule.forStorage(storage),
        ObservabilityModule,
        GitModule,
        TargetsModule,
        WebhookModule,
        // Env-only mode: the `default` target at WEBHOOK_PATH too (a targets file serves /hooks/<id> only).
        ...(config.webhookPath === undefined
          ? []
          : [WebhookPathModule, RouterModule.register([{ path: config.webhookPath, module: WebhookPathModule }])]),
        HealthModule,
        DeploymentsModule,
        DashboardModule,
        ReportModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}

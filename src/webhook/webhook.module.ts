import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { DeployModule } from '../deploy/deploy.module.js';
import { BodyBudget } from './body-budget.js';
import { DeliveryJournal } from './delivery-journal.js';
import { RawBodyMiddleware } from './raw-body.middleware.js';
import { SignatureGuard } from './signature.guard.js';
import { WebhookController } from './webhook.controller.js';

@Module({
  imports: [DeployModule],
  controllers: [WebhookController],
  providers: [
    SignatureGuard,
    DeliveryJournal,
    {
      provide: BodyBudget,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        new BodyBudget(config.get('webhookBodyBudgetBytes', { infer: true })),
    },
  ],
})
export class WebhookModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RawBodyMiddleware).forRoutes(WebhookController);
  }
}

import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ServiceConfig } from '../config/service-config.js';
import { DeployModule } from '../deploy/deploy.module.js';
import { BodyBudget } from '../common/body-budget.js';
import { DeliveryJournal } from './delivery-journal.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import { RawBodyMiddleware } from './raw-body.middleware.js';
import { SignatureGuard } from './signature.guard.js';
import { HookTargetMiddleware, WebhookPathTargetMiddleware } from './target-lookup.middleware.js';
import { HooksController, WebhookController } from './webhook.controller.js';
import { WebhookReceiver } from './webhook-receiver.js';

/** `POST /hooks/:id`, and what every webhook route shares (one body budget for all of them). */
@Module({
  imports: [DeployModule],
  controllers: [HooksController],
  providers: [
    SignatureGuard,
    DeliveryJournal,
    DeliveryOutcomes,
    WebhookReceiver,
    RawBodyMiddleware,
    {
      provide: BodyBudget,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ServiceConfig, true>) =>
        new BodyBudget(config.get('webhookBodyBudgetBytes', { infer: true })),
    },
  ],
  exports: [SignatureGuard, WebhookReceiver, BodyBudget, RawBodyMiddleware],
})
export class WebhookModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The target first (404 before the body), then the body: one middleware, see target-lookup.middleware.ts.
    consumer.apply(HookTargetMiddleware).forRoutes(HooksController);
  }
}

/**
 * `POST $WEBHOOK_PATH`, env-only mode's path of the `default` target. Its own module
 * because RouterModule mounts a whole module at WEBHOOK_PATH; not imported at all with a
 * targets file.
 */
@Module({
  imports: [WebhookModule],
  controllers: [WebhookController],
})
export class WebhookPathModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebhookPathTargetMiddleware).forRoutes(WebhookController);
  }
}

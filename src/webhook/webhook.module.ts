import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ServiceConfig } from '../config/service-config.js';
import { DeployModule } from '../deploy/deploy.module.js';
import { BodyBudget } from '../common/body-budget.js';
import { DeliveryJournal } from './delivery-journal.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import { RawBodyMiddleware } from './raw-body.middleware.js';
import { SignatureGuard } from './signature.guard.js';
import { TargetLookupMiddleware } from './target-lookup.middleware.js';
import { HooksController, WebhookController } from './webhook.controller.js';
import { WebhookReceiver } from './webhook-receiver.js';

/** The target first: an unknown one is a 404 before a byte of the body is read. */
const WEBHOOK_MIDDLEWARE = [TargetLookupMiddleware, RawBodyMiddleware];

/** `POST /hooks/:id`, and what every webhook route shares (one body budget for all of them). */
@Module({
  imports: [DeployModule],
  controllers: [HooksController],
  providers: [
    SignatureGuard,
    DeliveryJournal,
    DeliveryOutcomes,
    WebhookReceiver,
    {
      provide: BodyBudget,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ServiceConfig, true>) =>
        new BodyBudget(config.get('webhookBodyBudgetBytes', { infer: true })),
    },
  ],
  exports: [SignatureGuard, WebhookReceiver, BodyBudget],
})
export class WebhookModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(...WEBHOOK_MIDDLEWARE).forRoutes(HooksController);
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
    consumer.apply(...WEBHOOK_MIDDLEWARE).forRoutes(WebhookController);
  }
}

import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DeployModule } from '../deploy/deploy.module.js';
import { DeliveryJournal } from './delivery-journal.js';
import { RawBodyMiddleware } from './raw-body.middleware.js';
import { SignatureGuard } from './signature.guard.js';
import { WebhookController } from './webhook.controller.js';

@Module({
  imports: [DeployModule],
  controllers: [WebhookController],
  providers: [SignatureGuard, DeliveryJournal],
})
export class WebhookModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RawBodyMiddleware).forRoutes(WebhookController);
  }
}

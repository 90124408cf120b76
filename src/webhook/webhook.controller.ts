import { Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { hookTargetOf, type HookRequest } from './hook-request.js';
import { SignatureGuard } from './signature.guard.js';
import { WebhookReceiver, type WebhookAnswer } from './webhook-receiver.js';

/** `POST /hooks/:id`: every target's URL. the target middleware has answered 404 for an unknown id. */
@Controller('hooks')
export class HooksController {
  constructor(@Inject(WebhookReceiver) private readonly receiver: WebhookReceiver) {}

  @Post(':id')
  @HttpCode(200)
  @UseGuards(SignatureGuard)
  receive(@Req() req: HookRequest, @Res({ passthrough: true }) res: Response): Promise<WebhookAnswer> {
    return this.receiver.receive(hookTargetOf(req), req.headers, req.rawBody ?? Buffer.alloc(0), res);
  }
}

/**
 * `POST $WEBHOOK_PATH` (mounted there by RouterModule): env-only mode's one target,
 * `default`. With a targets file this path serves nothing (404 from the lookup).
 */
@Controller()
export class WebhookController {
  constructor(@Inject(WebhookReceiver) private readonly receiver: WebhookReceiver) {}

  @Post()
  @HttpCode(200)
  @UseGuards(SignatureGuard)
  receive(@Req() req: HookRequest, @Res({ passthrough: true }) res: Response): Promise<WebhookAnswer> {
    return this.receiver.receive(hookTargetOf(req), req.headers, req.rawBody ?? Buffer.alloc(0), res);
  }
}

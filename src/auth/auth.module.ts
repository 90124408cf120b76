import { Module } from '@nestjs/common';
import { AdminGuard } from './admin.guard.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionController } from './session.controller.js';

/** Who may use the admin API and the dashboard: the admin guard, its throttle and the sessions. */
@Module({
  controllers: [SessionController],
  providers: [AdminGuard, LoginThrottle],
  exports: [AdminGuard, LoginThrottle],
})
export class AuthModule {}

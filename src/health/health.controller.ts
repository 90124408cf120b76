import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GitService } from '../git/git.service.js';

/** Liveness of what matters: a readable work tree. No secrets, no paths, no auth. */
@Controller('health')
export class HealthController {
  constructor(@Inject(GitService) private readonly git: GitService) {}

  @Get()
  async check(@Res({ passthrough: true }) res: Response): Promise<object> {
    try {
      const [branch, head] = await Promise.all([this.git.currentBranch(), this.git.head()]);
      return { status: 'ok', branch: branch ?? null, head };
    } catch {
      res.status(503);
      return { status: 'unavailable', reason: 'REPO_PATH is not a usable git work tree' };
    }
  }
}

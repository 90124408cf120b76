import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { GitService } from './git.service.js';

@Global()
@Module({
  providers: [
    {
      provide: GitService,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => new GitService(config.get('repoPath', { infer: true })),
    },
  ],
  exports: [GitService],
})
export class GitModule {}

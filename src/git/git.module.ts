import { Global, Module } from '@nestjs/common';
import { GitServices } from './git-services.js';

@Global()
@Module({
  providers: [GitServices],
  exports: [GitServices],
})
export class GitModule {}

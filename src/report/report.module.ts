import { Module } from '@nestjs/common';
import { DeploymentReporter } from './deployment-reporter.js';

/**
 * Status back to the forge (a target's `report`): the only code that talks to a forge's
 * API. It listens to the global DeploymentEvents and reads the global TargetRegistry and
 * stores, so nothing imports it.
 */
@Module({
  providers: [DeploymentReporter],
})
export class ReportModule {}

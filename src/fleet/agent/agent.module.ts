import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { ServiceConfig } from '../../config/service-config.js';
import { DeployRunner } from '../../deploy/deploy-runner.js';
import { DeploymentRecovery } from '../../deploy/deployment-recovery.js';
import { ReleaseDeploy } from '../../deploy/release-deploy.js';
import { RELEASE_STEPS } from '../../deploy/release-steps.provider.js';
import { EventsModule } from '../../events/events.module.js';
import { GitModule } from '../../git/git.module.js';
import { StorageModule, type OpenStorage } from '../../storage/storage.module.js';
import { TargetsModule } from '../../targets/targets.module.js';
import { AgentDeployments } from './agent-deployments.js';
import { AGENT_SETTINGS, type AgentSettings } from './agent-settings.js';
import { AgentWorker } from './agent-worker.js';

/**
 * `hookdeploy agent`: the deploy machinery of a single host (runner, crash recovery,
 * stores, git) without HTTP, fed by its host's queue in Redis. It opens no port.
 */
@Module({})
export class AgentModule {
  static forConfig(config: ServiceConfig, storage: OpenStorage, settings: AgentSettings): DynamicModule {
    return {
      module: AgentModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...config })] }),
        EventsModule,
        StorageModule.forStorage(storage),
        GitModule,
        TargetsModule,
      ],
      providers: [
        { provide: AGENT_SETTINGS, useValue: settings },
        DeployRunner,
        // Release mode works on an agent as on a single host.
        ReleaseDeploy,
        RELEASE_STEPS,
        DeploymentRecovery,
        AgentDeployments,
        AgentWorker,
      ],
    };
  }
}

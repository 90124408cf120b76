import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { DeploymentSummary } from '../domain/deployment.js';

export interface DeploymentListener {
  status(deployment: DeploymentSummary): void;
  log(chunk: string): void;
}

/**
 * Live changes of deployments, for the Server-Sent Events stream: a status at every
 * change the store commits, and output as the deploy produces it. Also every
 * deployment that ended, once recorded, for the metrics.
 */
@Injectable()
export class DeploymentEvents {
  private readonly emitter = new EventEmitter();
  private readonly logger = new Logger('Deploy');

  constructor() {
    // One listener per open stream: a busy dashboard is not a leak.
    this.emitter.setMaxListeners(0);
  }

  statusChanged(deployment: DeploymentSummary): void {
    this.emitter.emit(`status:${deployment.id}`, deployment);
  }

  output(deploymentId: number, chunk: string): void {
    this.emitter.emit(`log:${deploymentId}`, chunk);
  }

  /** After the store committed a deployment's start (`running`), off the request path. */
  started(deployment: DeploymentSummary): void {
    this.emitSafely('started', deployment);
  }

  /** Returns the unsubscribe function. */
  onStarted(listener: (deployment: DeploymentSummary) => void): () => void {
    this.emitter.on('started', listener);
    return () => this.emitter.off('started', listener);
  }

  /** After the store committed a deployment's end (succeeded or failed). */
  finished(deployment: DeploymentSummary): void {
    this.emitSafely('finished', deployment);
  }

  private emitSafely(event: 'started' | 'finished', deployment: DeploymentSummary): void {
    try {
      this.emitter.emit(event, deployment);
    } catch (error) {
      // The deployment is recorded: a listener's failure must not turn into a deploy failure.
      this.logger.error({
        msg: `deployment ${deployment.id}: a listener failed: ${(error as Error).message}`,
        deployment: deployment.id,
      });
    }
  }

  /** Returns the unsubscribe function. */
  onFinished(listener: (deployment: DeploymentSummary) => void): () => void {
    this.emitter.on('finished', listener);
    return () => this.emitter.off('finished', listener);
  }

  isWatched(deploymentId: number): boolean {
    return this.emitter.listenerCount(`status:${deploymentId}`) > 0;
  }

  /** Returns the unsubscribe function. */
  subscribe(deploymentId: number, listener: DeploymentListener): () => void {
    const onStatus = (deployment: DeploymentSummary): void => listener.status(deployment);
    const onLog = (chunk: string): void => listener.log(chunk);
    this.emitter.on(`status:${deploymentId}`, onStatus);
    this.emitter.on(`log:${deploymentId}`, onLog);
    return () => {
      this.emitter.off(`status:${deploymentId}`, onStatus);
      this.emitter.off(`log:${deploymentId}`, onLog);
    };
  }
}

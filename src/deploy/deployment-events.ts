import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { DeploymentSummary } from './deployment.js';

export interface DeploymentListener {
  status(deployment: DeploymentSummary): void;
  log(chunk: string): void;
}

/**
 * Live changes of deployments, for the Server-Sent Events stream: a status at every
 * change the store commits, and output as the deploy produces it.
 */
@Injectable()
export class DeploymentEvents {
  private readonly emitter = new EventEmitter();

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

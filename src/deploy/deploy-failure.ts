/** Why a deployment failed; its message becomes the deployment's `error`. */
export class DeployFailure extends Error {
  constructor(
    message: string,
    /** Where HEAD was when the deployment started, once known. */
    readonly headBefore?: string,
  ) {
    super(message);
    this.name = 'DeployFailure';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** For `.catch()`: a git query that failed before anything moved fails the deployment. */
export function failedBeforeMoving(error: unknown): never {
  throw new DeployFailure(errorMessage(error));
}

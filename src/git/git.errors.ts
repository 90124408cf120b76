/** A git step that could not bring the work tree to the pushed commit. */
export class GitStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitStepError';
  }
}

/** A git step that could not bring the work tree to the pushed commit. */
export class GitStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitStepError';
  }
}

/** No `git` executable on PATH: nothing about REPO_PATH can be known. */
export class GitMissingError extends Error {
  constructor() {
    super('git was not found on PATH; install git (apt-get install git)');
    this.name = 'GitMissingError';
  }
}

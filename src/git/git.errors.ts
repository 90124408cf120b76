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

/** simple-git refuses to run git with a setting of the environment: nothing about REPO_PATH is known. */
export class GitEnvironmentRefusedError extends Error {
  constructor(refusal: string, configVariables: string[]) {
    const named = configVariables.length > 0 ? ` (${configVariables.join(', ')})` : '';
    super(
      `simple-git refuses the git settings of the environment${named}: ${refusal}; ` +
        "put the setting in git's configuration file (git config) instead of the environment",
    );
    this.name = 'GitEnvironmentRefusedError';
  }
}

/** Where a deployment found HEAD, where it left it, and the commit it had to reach. */
export interface DeployedCommit {
  headBefore: string;
  headAfter: string;
  requestedSha: string;
}

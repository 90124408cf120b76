/** Output helpers: numbered steps, indented details, short commit ids. */

let stepNumber = 0;

/** A numbered step, on its own line with a blank line before it so the steps stand out. */
export function step(text: string): void {
  stepNumber += 1;
  console.log(`\n${stepNumber}. ${text}`);
}

/** A detail of the current step, indented under it. */
export function detail(text: string): void {
  for (const line of text.split('\n')) console.log(`   ${line}`);
}

/** The 7 characters people recognise a commit by (what GitHub and `git log --oneline` show). */
export function short(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '(none)';
}

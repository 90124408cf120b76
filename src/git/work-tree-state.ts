/** What a deployment must know about the work tree before it moves it. */
export interface WorkTreeState {
  /** The commit checked out; undefined before the first commit. */
  head: string | undefined;
  /** undefined on a detached HEAD. */
  branch: string | undefined;
  /**
   * Tracked paths with uncommitted changes, staged or not. A submodule counts when its
   * files have changes, not when only its checked-out commit differs from the recorded one.
   */
  changes: string[];
}

/** Fields before the path on an ordinary (`1`), renamed (`2`) and unmerged (`u`) entry. */
const FIELDS_BEFORE_PATH: Record<string, number> = { '1': 8, '2': 9, u: 10 };

function afterFields(line: string, count: number): string {
  let index = 0;
  for (let field = 0; field < count; field += 1) index = line.indexOf(' ', index) + 1;
  return line.slice(index);
}

/**
 * Whether a changed entry is only a submodule at another commit than the superproject
 * records (or with untracked files): `.M` (not staged) with the submodule field `SC..`,
 * `SC.U` or `S..U` (no modified tracked files). git's own clean-tree check (`git pull --rebase`) ignores
 * submodules, and the deploy's `git submodule update` moves it to the recorded commit:
 * it is what a deploy fixes, not an edit it would overwrite. Edited files inside a
 * submodule (`S.M.`) are: the update would carry them over or fail on them.
 */
function submoduleWithoutEdits(line: string): boolean {
  const [, xy, submodule] = line.split(' ', 3);
  return xy?.[0] === '.' && submodule?.[0] === 'S' && submodule[2] === '.';
}

/** Parses `git status --porcelain=v2 --branch --untracked-files=no`. */
export function parseStatus(output: string): WorkTreeState {
  const state: WorkTreeState = { head: undefined, branch: undefined, changes: [] };
  for (const line of output.split('\n')) {
    if (line.startsWith('# branch.oid ')) {
      const oid = line.slice('# branch.oid '.length);
      if (oid !== '(initial)') state.head = oid;
    } else if (line.startsWith('# branch.head ')) {
      const head = line.slice('# branch.head '.length);
      if (head !== '(detached)') state.branch = head;
    } else {
      const fields = FIELDS_BEFORE_PATH[line.slice(0, 1)];
      if (fields === undefined || line[1] !== ' ' || submoduleWithoutEdits(line)) continue;
      // A rename prints "new<TAB>old"; the new path is the one in the way.
      state.changes.push(afterFields(line, fields).split('\t')[0]!);
    }
  }
  return state;
}

/** A regular file a commit adds, and the blob git would write for it. */
export interface AddedFile {
  path: string;
  blob: string;
}

/**
 * The regular files (mode 100644 or 100755) added in `git diff --raw --no-abbrev -z
 * --diff-filter=A` output: entries of ":000000 <mode> <old> <blob> A", NUL, path, NUL.
 * Symbolic links and submodules are left out: a checkout leftover is only ever a file.
 */
export function parseAddedFiles(output: string): AddedFile[] {
  const fields = output.split('\0');
  const files: AddedFile[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const [, mode, , blob, status] = fields[index]!.split(' ');
    if (status !== 'A' || (mode !== '100644' && mode !== '100755') || blob === undefined) continue;
    files.push({ path: fields[index + 1]!, blob });
  }
  return files;
}

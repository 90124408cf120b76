// `nest build` keeps dist/ (the dashboard's browser code is compiled into it separately,
// and `nest start --watch` must not delete it), so a full build starts from an empty one.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(import.meta.dirname, '..', 'dist'), { recursive: true, force: true });

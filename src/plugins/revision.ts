import { RevisionNumberConstraintFailed } from '../api/errors.js';

/** If-Match: revision_number=N against the row as it is now (412 on mismatch). */
export function checkRevision(current: number, ifMatch: number | null): void {
  if (ifMatch !== null && Number(current) !== ifMatch) {
    throw RevisionNumberConstraintFailed({ expected: ifMatch, current: Number(current) });
  }
}

/**
 * A manifest's `resume` field, read for whoever shows an artifact (the Runs view): present only
 * when a resumed run could not continue bit-identically (train/writeCheckpoint.ts writes it; an
 * exact resume leaves no trace, its bytes being an uninterrupted run's).
 */
export interface InexactResume {
  bitIdentical: false;
  /** One sentence per resume that lost exactness. */
  why: string[];
}

export function inexactResume(manifest: unknown): InexactResume | undefined {
  const r = (manifest as { resume?: unknown } | undefined)?.resume as
    { bitIdentical?: unknown; why?: unknown } | undefined;
  if (!r || typeof r !== 'object' || r.bitIdentical !== false) return undefined;
  const why = Array.isArray(r.why) ? r.why.filter((w): w is string => typeof w === 'string') : [];
  return { bitIdentical: false, why };
}

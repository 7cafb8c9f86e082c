/**
 * A tool's version, asked once and kept; a failed ask is forgotten, so a tool installed later (or a transient
 * failure) is asked again instead of being reported missing for the rest of the process.
 */
export function cachedVersion(read: () => Promise<string>): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= read();
    cached.catch(() => (cached = undefined));
    return cached;
  };
}

import { access, link, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A file kvbench was asked to create was already there: it is left exactly as it was. */
export class FileExistsError extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists, and kvbench does not replace a file it did not write: name another file, or move that one away first`);
    this.name = 'FileExistsError';
  }
}

/** The disk filled while writing: nothing half-written was left, and what was at `file` before is still there. */
export class DiskFullError extends Error {
  constructor(
    readonly file: string,
    bytes: number,
  ) {
    super(
      `cannot write ${file}: the disk is full (ENOSPC, ${bytes} bytes to write). Nothing was half-written: the ` +
        'previous version of this file, if there was one, is intact. Free some space and run again.',
    );
    this.name = 'DiskFullError';
  }
}

/**
 * Writes `text` to `file` whole, creating its folder: into a temp file first, then renamed into place (replace) or
 * hard-linked there (a new file only), so no reader and no crash ever sees half a file. A hard link appears whole
 * like a rename does, but fails with EEXIST instead of replacing what is there.
 */
export async function writeFileAtomic(file: string, text: string, options: { replace: boolean }): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskFullError(file, text.length);
    throw error;
  }
  if (options.replace) {
    await rename(temp, file);
    return;
  }
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(file);
    throw error;
  } finally {
    await unlink(temp);
  }
}

/** Throws FileExistsError when `file` is there: the check before long work whose output must not replace it. */
export async function refuseExisting(file: string): Promise<void> {
  const there = await access(file).then(
    () => true,
    () => false,
  );
  if (there) throw new FileExistsError(file);
}

/**
 * Parts being written right now, per session and offset. A second PUT of the same range waits for the first to
 * finish, then sees its outcome (stored → overlap; failed → it may write), so two bodies never interleave in one
 * region of the upload file.
 */
export class InflightParts {
  private readonly writing = new Map<string, Promise<void>>();

  async acquire(sessionId: string, offset: number): Promise<() => void> {
    const key = `${sessionId}:${offset}`;
    for (;;) {
      const current = this.writing.get(key);
      if (!current) break;
      await current;
    }
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.writing.set(key, done);
    return () => {
      this.writing.delete(key);
      release();
    };
  }
}

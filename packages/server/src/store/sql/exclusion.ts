/**
 * How `MetadataStore.exclusively` keeps two tasks of one name apart. The scope differs per back end: SQLite serves
 * one process, so a process-local guard is the whole story; PostgreSQL is shared by instances and uses an advisory
 * lock (postgres/advisory-lock-exclusion.ts).
 */
export interface Exclusion {
  run<T>(name: string, task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}

export class ProcessLocalExclusion implements Exclusion {
  private readonly running = new Set<string>();

  async run<T>(name: string, task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.running.has(name)) return { ran: false };
    this.running.add(name);
    try {
      return { ran: true, value: await task() };
    } finally {
      this.running.delete(name);
    }
  }
}

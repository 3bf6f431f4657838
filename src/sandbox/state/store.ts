/**
 * The sandbox's state: named collections of JSON records, in memory, optionally journaled to
 * `<stateDir>/journal.jsonl` (one line per write, appended synchronously before the caller
 * answers), so a restart loses nothing. Node runs each request's ledger work synchronously, so
 * writes never interleave: concurrent requests are safe without locks.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Row = Record<string, unknown>;

export class Store {
  readonly #collections = new Map<string, Map<string, Row>>();
  readonly #journal?: string;
  #writes = 0;

  constructor(stateDir?: string) {
    if (!stateDir) return;
    mkdirSync(stateDir, { recursive: true });
    this.#journal = join(stateDir, 'journal.jsonl');
    if (existsSync(this.#journal)) {
      const text = readFileSync(this.#journal, 'utf8');
      this.#replay(text);
      // A torn last line (the process died mid-write) is cut off, so the next write starts clean.
      if (text !== '' && !text.endsWith('\n')) truncateSync(this.#journal, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
  }

  #replay(text: string): void {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line === '') return;
      let entry: { c: string; k: string; v: Row | null };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        // A torn last line (the process died mid-write) is the only acceptable damage.
        if (i >= lines.length - 2) return;
        throw new Error(`sandbox state ${this.#journal} is damaged at line ${i + 1}; move it away to start fresh`);
      }
      const c = this.#collection(entry.c);
      if (entry.v === null) c.delete(entry.k);
      else c.set(entry.k, entry.v);
    });
  }

  #collection(name: string): Map<string, Row> {
    let c = this.#collections.get(name);
    if (!c) this.#collections.set(name, (c = new Map()));
    return c;
  }

  get<T>(collection: string, key: string): T | undefined {
    const row = this.#collection(collection).get(key);
    return row === undefined ? undefined : (structuredClone(row) as T);
  }

  all<T>(collection: string): T[] {
    return [...this.#collection(collection).values()].map((r) => structuredClone(r)) as T[];
  }

  /** Stores a copy of `value` (so later mutation of the caller's object cannot bypass the journal). */
  put<T extends object>(collection: string, key: string, value: T): T {
    const copy = structuredClone(value) as unknown as Row;
    this.#collection(collection).set(key, copy);
    this.#write({ c: collection, k: key, v: copy });
    return copy as unknown as T;
  }

  delete(collection: string, key: string): void {
    if (this.#collection(collection).delete(key)) this.#write({ c: collection, k: key, v: null });
  }

  #write(entry: object): void {
    if (!this.#journal) return;
    appendFileSync(this.#journal, `${JSON.stringify(entry)}\n`);
    if (++this.#writes % 5000 === 0) this.#compact();
  }

  /** Rewrites the journal as one line per live record (atomically), so it does not grow forever. */
  #compact(): void {
    const tmp = `${this.#journal}.tmp`;
    const lines: string[] = [];
    for (const [c, rows] of this.#collections) for (const [k, v] of rows) lines.push(JSON.stringify({ c, k, v }));
    writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '');
    renameSync(tmp, this.#journal!);
  }
}

/**
 * Session ids within one capture file. They must be unique, so that `show --session` picks one session; but
 * files written before pop3scope continued the numbering of the file it appended to reuse ids (`s1` once per
 * run). Writer and reader name sessions the same way: the k-th session that opened with an id already used
 * is called `<id>#k` (s1, s1#2, s1#3), and its later records follow it until that id opens again.
 */
export class SessionNames {
  /** Every name given out in this file, and how many times each original id opened. */
  private readonly opened = new Map<string, number>();
  /** Ids whose current session goes by another name. */
  private readonly aliases = new Map<string, string>();

  /** An `open` record with `id`: the unique name its session goes by. */
  open(id: string): string {
    const seen = this.opened.get(id) ?? 0;
    this.opened.set(id, seen + 1);
    if (seen === 0) {
      this.aliases.delete(id);
      return id;
    }
    let k = seen + 1;
    while (this.opened.has(`${id}#${k}`)) k++;
    const name = `${id}#${k}`;
    this.opened.set(name, 1);
    this.aliases.set(id, name);
    return name;
  }

  /** Any other record of `id`: the name of the session it belongs to. */
  current(id: string): string {
    return this.aliases.get(id) ?? id;
  }

  /** Whether a session of this name exists in the file. */
  has(name: string): boolean {
    return this.opened.has(name);
  }

  /** The next number of the proxy's `s<N>` ids that no session of the file has used. */
  nextNumber(): number {
    let max = 0;
    for (const name of this.opened.keys()) {
      const m = /^s(\d+)$/.exec(name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max + 1;
  }
}

/**
 * A Maildir store: `root/<user>/{cur,new,tmp}`, one file per message. Messages are read from cur and new (tmp
 * holds deliveries in progress); files are removed only by commit, i.e. in UPDATE after QUIT. Files are never
 * renamed: a POP3 session that leaves messages alone leaves the Maildir exactly as it found it.
 *
 * UIDs are the filename's unique part (before the `:2,flags` info), which Maildir keeps stable when flags
 * change. Sizes are the wire sizes (stored LF counted as CRLF), which needs one read of each file; they are
 * cached by path, length and mtime so a later session only reads new files.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVER_STREAM_CHUNK } from './limits.js';
import { LockSet, type Maildrop, type MailStore, type MessageInfo, uidFrom, uniqueUids } from './store.js';
import { WireSizeCounter } from './wire.js';

interface FileMessage extends MessageInfo {
  readonly path: string;
}

interface Found {
  readonly path: string;
  readonly unique: string;
}

/** The part of a Maildir filename that identifies the message whatever its flags. */
function uniquePart(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

async function listFolder(dir: string): Promise<Found[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    // A user without a Maildir (or without cur/new yet) simply has no mail.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => ({ path: join(dir, e.name), unique: uniquePart(e.name) }));
}

async function wireSizeOfFile(path: string): Promise<number> {
  const counter = new WireSizeCounter();
  for await (const chunk of createReadStream(path, { highWaterMark: SERVER_STREAM_CHUNK })) {
    counter.push(chunk as Buffer);
  }
  return counter.size;
}

export class MaildirStore implements MailStore {
  readonly description: string;
  private readonly locks = new LockSet();
  private readonly sizes = new Map<string, { key: string; size: number }>();

  /** `users` maps user names to passwords (see usersFile.ts). */
  constructor(
    private readonly root: string,
    private readonly users: ReadonlyMap<string, string>,
  ) {
    this.description = `Maildir ${root}`;
  }

  userNames(): string[] {
    return [...this.users.keys()];
  }

  password(user: string): string | undefined {
    return this.users.get(user);
  }

  async openMaildrop(user: string): Promise<Maildrop | 'in-use'> {
    if (!this.users.has(user)) throw new Error(`no maildrop for ${user}`);
    // Taken before any await, so two logins racing for the same user cannot both get it.
    if (!this.locks.acquire(user)) return 'in-use';
    let open = true;
    const release = () => {
      if (open) this.locks.release(user);
      open = false;
    };
    let messages: FileMessage[];
    try {
      messages = await this.scan(join(this.root, user));
    } catch (e) {
      release();
      throw e;
    }
    return {
      messages,
      stream: (index) => this.stream(messages[index]!.path),
      read: (index) => readFile(messages[index]!.path),
      commit: async (indexes) => {
        let failed = 0;
        for (const i of indexes) {
          const path = messages[i]!.path;
          try {
            await unlink(path);
          } catch (e) {
            // Already gone (another program expunged it) is what UPDATE wanted anyway.
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') failed++;
          }
          this.sizes.delete(path);
        }
        release();
        return { failed };
      },
      release,
    };
  }

  private async scan(dir: string): Promise<FileMessage[]> {
    const found = [...(await listFolder(join(dir, 'cur'))), ...(await listFolder(join(dir, 'new')))];
    // Maildir names start with the delivery time, so sorting by them numbers messages oldest first, and
    // the same files get the same numbers in every session.
    found.sort((a, b) => (a.unique < b.unique ? -1 : a.unique > b.unique ? 1 : a.path < b.path ? -1 : 1));
    const uids = uniqueUids(found.map((f) => uidFrom(f.unique)));
    const messages: FileMessage[] = [];
    for (const [i, f] of found.entries()) {
      const size = await this.sizeOf(f.path);
      // A file that vanished between readdir and stat is not part of this session's maildrop.
      if (size !== undefined) messages.push({ path: f.path, size, uid: uids[i]! });
    }
    return messages;
  }

  private async sizeOf(path: string): Promise<number | undefined> {
    try {
      const st = await stat(path);
      const key = `${st.size}:${st.mtimeMs}`;
      const cached = this.sizes.get(path);
      if (cached?.key === key) return cached.size;
      const size = await wireSizeOfFile(path);
      this.sizes.set(path, { key, size });
      return size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  private async stream(path: string): Promise<AsyncIterable<Buffer>> {
    // Opened here so that a missing or unreadable file answers -ERR before any +OK is sent.
    const handle = await open(path, 'r');
    return handle.createReadStream({ highWaterMark: SERVER_STREAM_CHUNK, autoClose: true });
  }
}

/** Checks that the Maildir root exists and is a directory; the error is one line, fit for the CLI. */
export async function checkMaildirRoot(root: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch (e) {
    throw new Error(`cannot use Maildir root ${root}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!isDir) throw new Error(`Maildir root ${root} is not a directory`);
}

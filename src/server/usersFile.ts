/**
 * The users file of `serve --maildir`: one `user:password` per line, `#` starts a comment line, blank lines
 * are skipped. The password is everything after the first colon, so it may contain colons. Passwords are kept
 * in the clear because APOP and CRAM-MD5 need the shared secret itself.
 */
import { readFile } from 'node:fs/promises';

/** User names that are safe as a directory name under the Maildir root (no '/', no '..'). */
const SAFE_NAME = /^(?!\.\.?$)[A-Za-z0-9._@+-]+$/;

/** Parses users file text; throws an Error naming the file and line for anything malformed. */
export function parseUsers(text: string, source = 'users file'): Map<string, string> {
  const users = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const where = `${source} line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon === -1) throw new Error(`${where}: expected user:password`);
    const name = line.slice(0, colon);
    if (!SAFE_NAME.test(name)) throw new Error(`${where}: user name must be letters, digits or ._@+-`);
    if (users.has(name)) throw new Error(`${where}: user ${name} appears twice`);
    users.set(name, line.slice(colon + 1));
  });
  if (users.size === 0) throw new Error(`${source} has no users`);
  return users;
}

/** Reads and parses a users file; errors are one line, fit for the CLI. */
export async function loadUsers(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read users file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseUsers(text, path);
}

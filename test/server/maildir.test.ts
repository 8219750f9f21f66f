/** The Maildir store, alone and behind the server, on a temporary directory. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMaildirRoot, MaildirStore } from '../../src/server/maildirStore.js';
import { loadUsers, parseUsers } from '../../src/server/usersFile.js';
import { Harness } from './helpers.js';

let root: string;
const h = new Harness();

// Stored with LF endings (as most MDAs write), one line starting with a dot.
const FIRST = 'From: a@example.org\nSubject: first\n\nhello\n.dotted\n';
const SECOND = 'From: b@example.org\r\nSubject: second\r\n\r\nCRLF stored\r\n';
const FIRST_NAME = '1700000000.M1P1.host';
const SECOND_NAME = '1700000100.M2P2.host';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pop3scope-maildir-'));
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, 'bob', sub), { recursive: true });
  await writeFile(join(root, 'bob', 'new', FIRST_NAME), FIRST);
  await writeFile(join(root, 'bob', 'cur', `${SECOND_NAME}:2,S`), SECOND);
  // A delivery in progress is not mail yet.
  await writeFile(join(root, 'bob', 'tmp', '1700000200.M3P3.host'), 'Subject: not yet\n\n');
  await writeFile(join(root, 'users'), '# test users\nbob:hungry\n\ncarol:pa:ss\n');
});

afterEach(async () => {
  await h.cleanup();
  await rm(root, { recursive: true, force: true });
});

async function serve(): Promise<number> {
  const store = new MaildirStore(root, await loadUsers(join(root, 'users')));
  return (await h.server({ store })).port;
}

const login = (port: number, user?: string, password?: string) => h.loggedIn(port, user, password);

const filesOf = async () => [
  ...(await readdir(join(root, 'bob', 'new'))),
  ...(await readdir(join(root, 'bob', 'cur'))),
];

describe('Maildir store', () => {
  it('lists cur and new oldest first, counting stored LF as CRLF', async () => {
    const client = await login(await serve());
    const firstWire = FIRST.replace(/\n/g, '\r\n');
    expect(await client.lines('LIST')).toEqual([`1 ${firstWire.length}`, `2 ${SECOND.length}`]);
    const { body } = await client.multi('RETR 1');
    expect(body.toString()).toBe(firstWire);
    expect(body.length).toBe(Buffer.byteLength(firstWire));
  });

  it('sends a stored dot line stuffed', async () => {
    const client = await login(await serve());
    client.write('RETR 1\r\n');
    await client.line();
    expect((await client.rawBody()).toString()).toContain('\r\nhello\r\n..dotted\r\n.\r\n');
  });

  it("uses the filename's unique part as UID, unchanged by flags", async () => {
    const client = await login(await serve());
    expect(await client.lines('UIDL')).toEqual([`1 ${FIRST_NAME}`, `2 ${SECOND_NAME}`]);
  });

  it('removes files only at QUIT; a dropped session removes nothing', async () => {
    const port = await serve();
    const dropped = await login(port);
    await dropped.command('DELE 1');
    await dropped.command('DELE 2');
    expect(await filesOf()).toHaveLength(2);
    dropped.destroy();
    await dropped.closed;

    const client = await h.eventuallyLoggedIn(port);
    expect(await client.command('STAT')).toMatch(/^\+OK 2 /);
    await client.command('DELE 1');
    expect(await filesOf()).toHaveLength(2);
    expect(await client.command('QUIT')).toMatch(/^\+OK .*\(1 message deleted\)/);
    await client.untilClosed();
    expect(await filesOf()).toEqual([`${SECOND_NAME}:2,S`]);
    expect(existsSync(join(root, 'bob', 'tmp', '1700000200.M3P3.host'))).toBe(true);
  });

  it('a user without a Maildir has an empty maildrop; passwords may contain colons', async () => {
    const client = await login(await serve(), 'carol', 'pa:ss');
    expect(await client.command('STAT')).toBe('+OK 0 0');
  });

  it('a message file removed behind the server answers -ERR [SYS/TEMP] on RETR, and the session goes on', async () => {
    const client = await login(await serve());
    await rm(join(root, 'bob', 'new', FIRST_NAME));
    expect(await client.command('RETR 1')).toMatch(/^-ERR \[SYS\/TEMP\]/);
    expect((await client.multi('RETR 2')).body.toString()).toBe(SECOND);
  });

  it('checkMaildirRoot refuses a missing directory and a file, with one-line messages', async () => {
    await expect(checkMaildirRoot(join(root, 'missing'))).rejects.toThrow(
      /^cannot use Maildir root .*ENOENT$/,
    );
    await expect(checkMaildirRoot(join(root, 'users'))).rejects.toThrow(/is not a directory$/);
    await expect(checkMaildirRoot(root)).resolves.toBeUndefined();
  });
});

describe('users file', () => {
  it('parses user:password lines, skipping comments and blank lines', () => {
    const users = parseUsers('# comment\r\nbob:hungry\r\n\n  # indented comment\nalice:won:der land\n');
    expect([...users]).toEqual([
      ['bob', 'hungry'],
      ['alice', 'won:der land'],
    ]);
  });

  it('names the line of a malformed entry, without echoing it', () => {
    expect(() => parseUsers('bob:hungry\nsecretwithoutcolon\n', 'u.txt')).toThrow(
      'u.txt line 2: expected user:password',
    );
    expect(() => parseUsers('../etc:x\n')).toThrow(/line 1: user name/);
    expect(() => parseUsers('bob:a\nbob:b\n')).toThrow(/appears twice/);
    expect(() => parseUsers('# nobody\n')).toThrow(/has no users/);
  });

  it('reports an unreadable file in one line', async () => {
    await expect(loadUsers(join(root, 'nope'))).rejects.toThrow(/^cannot read users file .*nope: ENOENT$/);
  });
});

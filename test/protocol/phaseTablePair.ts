/**
 * The engine and the embedded server driven through one conversation: each command goes to the server's
 * sans-IO session, and the engine sees the command and the server's real answer, as the proxy would. Used to
 * show that both read their phase rules from the one command table.
 */
import { createHash } from 'node:crypto';
import { Pop3Session as Engine } from '../../src/protocol/session.js';
import type { ProtocolEvent, RawTransaction } from '../../src/protocol/types.js';
import { demoUsers } from '../../src/server/demoMailbox.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import type { Pop3Session as ServerSession } from '../../src/server/session.js';
import type { MailStore } from '../../src/server/store.js';
import { b64, feed, newSession, TIMESTAMP } from '../server/helpers.js';

/** Arguments each verb is sent with, valid for the demo maildrop of bob (password "hungry"). */
export const SAMPLE_ARGS: Record<string, string> = {
  USER: 'bob',
  PASS: 'hungry',
  APOP: `bob ${createHash('md5').update(`${TIMESTAMP}hungry`).digest('hex')}`,
  AUTH: `PLAIN ${b64('\0bob\0hungry')}`,
  RETR: '1',
  DELE: '1',
  TOP: '1 0',
  LIST: '1',
  UIDL: '1',
  LANG: 'en',
  XTND: 'XLST',
};

export class Pair {
  readonly engine = new Engine();
  readonly server: ServerSession;
  /** The server's phase each time the store committed an UPDATE. */
  readonly phaseAtCommit: string[] = [];
  private t = 0;

  constructor() {
    this.server = newSession(this.spyStore(new MemoryStore(demoUsers())), { tls: 'stls' });
    this.engine.receive('s2c', this.server.greeting(), this.t++);
  }

  /** Sends one command line; returns the server's answer, and the engine's events and transactions for it. */
  async send(line: string): Promise<{ answer: string; txs: RawTransaction[]; events: ProtocolEvent[] }> {
    const events = this.engine.receive('c2s', Buffer.from(`${line}\r\n`, 'latin1'), this.t++);
    const answer = await feed(this.server, line);
    events.push(...this.engine.receive('s2c', Buffer.from(answer, 'latin1'), this.t++));
    const txs = events.flatMap((e) => (e.type === 'transaction' ? [e.tx] : []));
    return { answer, txs, events };
  }

  /** Logs in with USER and PASS: both are in TRANSACTION after it. */
  async login(): Promise<void> {
    await this.send('USER bob');
    await this.send('PASS hungry');
  }

  private spyStore(store: MailStore): MailStore {
    const spy = this.phaseAtCommit;
    const self = this;
    return {
      description: store.description,
      userNames: () => store.userNames(),
      password: (user) => store.password(user),
      async openMaildrop(user) {
        const drop = await store.openMaildrop(user);
        if (drop === 'in-use') return drop;
        return {
          messages: drop.messages,
          stream: (i) => drop.stream(i),
          read: (i) => drop.read(i),
          release: () => drop.release(),
          commit(marked) {
            spy.push(self.server.phase);
            return drop.commit(marked);
          },
        };
      },
    };
  }
}

/** The command line a row is sent as: its sample arguments, or none when `bare`. */
export function lineOf(verb: string, bare = false): string {
  const args = bare ? undefined : SAMPLE_ARGS[verb];
  return args === undefined ? verb : `${verb} ${args}`;
}

/**
 * Plain-language explanations of each step, fit for a classroom: what the client asked, what the server
 * answered, what changed. One entry per verb; each sees the finished transaction and the mailbox model. The
 * phases a step leads to and which form of a command lists (LIST vs LIST n) are the command table's.
 *
 * Wording rules (test/analysis/explain-wording.test.ts checks them on every sample capture): each explanation
 * is whole sentences ending in a full stop, also after a quoted server text; counts agree with their noun
 * ("1 message", "2 octets"); a marked message is "marked for deletion", never "deleted", until UPDATE.
 */
import { lookupCommand, type Phase, transitionOf } from '../protocol/commands.js';
import type { CommandInfo, RawTransaction } from '../protocol/types.js';
import { counted } from '../words.js';
import type { Mailbox } from './mailbox.js';

type Explainer = (tx: RawTransaction, box: Mailbox) => string;
/** What an ask needs: the command and its table entry (and, for AUTH, the exchange if there was one). */
type Asked = Pick<RawTransaction, 'command' | 'spec' | 'sasl'>;

const arg = (tx: Asked, i: number) => tx.command?.args[i] ?? '?';
/** ': "the server's text".' or '.': how a sentence about a refusal ends. */
const quoted = (tx: RawTransaction) => (tx.response.text ? `: "${tx.response.text}".` : '.');
const refused = (tx: RawTransaction) => `The server refused${quoted(tx)}`;
/** A count taken from the wire ("498"), with its noun; what is not a number is shown as it came. */
const pluralOf = (text: string, word: string) =>
  /^[0-9]+$/.test(text) ? counted(Number(text), word) : `${text} ${word}s`;
/** TOP's body lines asked for: "the first 5 lines of its body", or "none of its body" for TOP n 0. */
const topLines = (tx: Asked) =>
  arg(tx, 1) === '0' ? 'none of its body' : `the first ${pluralOf(arg(tx, 1), 'line')} of its body`;

/** Whether this form of the command is answered with a listing (LIST, not LIST n), by the command table. */
const lists = (tx: Asked) => tx.spec?.multiline(tx.command?.args ?? []) ?? false;

/** The phase the command table says a +OK to this command leads to (PASS, APOP, AUTH: TRANSACTION). */
function enters(tx: RawTransaction): Phase {
  const args = tx.command?.args ?? [];
  return tx.spec?.leads.find((t) => t.on === '+OK' && (t.when?.(args) ?? true))?.to ?? tx.phase;
}

/** True when the command, in the phase it was processed in, leads to UPDATE (QUIT from TRANSACTION). */
const updates = (tx: RawTransaction) =>
  tx.spec !== undefined && transitionOf(tx.spec, tx.phase, tx.command?.args ?? [])?.to === 'UPDATE';

function ok(tx: RawTransaction, yes: string, no?: string): string {
  return tx.response.status === '+OK' ? yes : (no ?? refused(tx));
}

/** What the client asked for, said without claiming that it happened: for commands that got no answer. */
const ASKS: Record<string, (tx: Asked) => string> = {
  USER: (tx) => `names the mailbox "${arg(tx, 0)}"`,
  PASS: () => 'sends its password (hidden here)',
  APOP: (tx) => `logs in as "${arg(tx, 0)}" with APOP`,
  AUTH: (tx) => (tx.sasl ? `authenticates with SASL ${tx.sasl.mechanism}` : 'asks for the SASL mechanisms'),
  STLS: () => 'asks to switch to TLS',
  CAPA: () => 'asks what the server can do',
  STAT: () => 'asks for the maildrop status',
  LIST: (tx) => (lists(tx) ? 'asks for the list of messages' : `asks for the size of message ${arg(tx, 0)}`),
  RETR: (tx) => `asks for message ${arg(tx, 0)}`,
  DELE: (tx) => `asks to mark message ${arg(tx, 0)} for deletion`,
  NOOP: () => 'checks that the server is still there',
  RSET: () => 'asks to take back every deletion mark',
  TOP: (tx) => `asks for the headers of message ${arg(tx, 0)} and ${topLines(tx)}`,
  UIDL: (tx) => (lists(tx) ? 'asks for the unique ids' : `asks for the unique id of message ${arg(tx, 0)}`),
  QUIT: () => 'asks to end the session',
};

/** A command that got no valid answer: what was asked, and that nothing is known to have happened. */
function unanswered(tx: RawTransaction): string {
  const verb = tx.command!.verb;
  const asks = ASKS[verb]?.(tx) ?? `sent "${verb}"`;
  if (tx.response.at !== null && tx.response.text)
    return `The client ${asks}. The server answered with a line that is neither +OK nor -ERR: "${tx.response.text}".`;
  return `The client ${asks}. The connection ended before the server answered: nothing came back, and nothing is known to have changed.`;
}

/** The question a step-through puts to the class before the answer is shown (replay --step, demo --step). */
export const ASK_QUESTION = 'What will the server answer?';

/**
 * What a command asks, said before its answer is known (replay --step shows it after the command, demo --play
 * --step before sending it), ending with the question for the class. Nothing in it depends on the answer.
 */
export function explainAsk(command: Pick<CommandInfo, 'verb' | 'args'>): string {
  const { verb, args } = command;
  const asked: Asked = {
    command: { verb, args, line: '', octets: 0, at: 0, pipelined: false },
    spec: lookupCommand(verb),
  };
  let asks: string;
  if (verb === '') asks = 'sends an empty line';
  else if (verb === 'AUTH' && args[0]) asks = `authenticates with SASL ${args[0].toUpperCase()}`;
  else asks = ASKS[verb]?.(asked) ?? `sends "${verb}", which POP3 does not define`;
  return `The client ${asks}. ${ASK_QUESTION}`;
}

const EXPLAIN: Record<string, Explainer> = {
  USER: (tx) =>
    ok(
      tx,
      `The client names the mailbox "${arg(tx, 0)}". The server accepts the name and now expects the password (PASS).`,
      `The server refused the user name "${arg(tx, 0)}"${quoted(tx)}`,
    ),
  PASS: (tx) =>
    ok(
      tx,
      `The client sends the password in the clear (hidden here). The server accepts it, locks the maildrop and numbers the messages: the session enters ${enters(tx)}.`,
      `The server refused the password${tx.response.code ? ` [${tx.response.code}]` : ''}${quoted(tx)} The session stays in AUTHORIZATION.`,
    ),
  APOP: (tx) =>
    ok(
      tx,
      `The client logs in as "${arg(tx, 0)}" with APOP: an MD5 digest of the greeting's timestamp and the secret (hidden here), so the password itself never crosses the wire. The session enters ${enters(tx)}.`,
    ),
  AUTH: (tx) => {
    if (!tx.sasl)
      return ok(tx, 'The client asks which SASL mechanisms the server offers; the server lists them.');
    const steps = tx.sasl.steps.length;
    const how = `The client authenticates with SASL ${tx.sasl.mechanism}${tx.sasl.user ? ` as "${tx.sasl.user}"` : ''} in ${counted(steps, 'step')}; secrets are hidden here.`;
    if (tx.sasl.outcome === 'cancelled') return `${how} The client cancelled the exchange with "*".`;
    return ok(tx, `${how} The server accepts: the session enters ${enters(tx)}.`, `${how} ${refused(tx)}`);
  },
  STLS: (tx) =>
    ok(
      tx,
      'The client asks to switch to TLS. After this +OK both sides start a TLS handshake; everything after it is encrypted.',
    ),
  CAPA: (tx) =>
    ok(
      tx,
      `The server lists what it can do: ${(tx.response.listing ?? []).map((l) => l.split(' ')[0]).join(', ') || 'nothing'}.`,
    ),
  STAT: (tx) => {
    const m = /^([0-9]+) ([0-9]+)/.exec(tx.response.text);
    return ok(
      tx,
      m
        ? `The maildrop holds ${counted(Number(m[1]), 'message')}, ${m[2]} octets in all (messages marked for deletion are not counted).`
        : 'The server reports the maildrop status.',
    );
  },
  LIST: (tx) => {
    if (!lists(tx))
      return ok(
        tx,
        `The server gives the size of message ${arg(tx, 0)}: ${pluralOf(tx.response.text.split(' ')[1] ?? '?', 'octet')}.`,
      );
    return ok(
      tx,
      `The server lists each message with its size in octets: ${counted(tx.response.bodyLines, 'message')}.`,
    );
  },
  RETR: (tx) =>
    ok(
      tx,
      `The server sends message ${arg(tx, 0)} in full: ${counted(tx.response.bodyOctets, 'octet')} in ${counted(tx.response.bodyLines, 'line')}. Downloading does not delete it.`,
    ),
  DELE: (tx, box) => {
    const marked = [...box.messages.values()].filter((m) => m.marked).length;
    return ok(
      tx,
      `Message ${arg(tx, 0)} is marked for deletion (${marked} marked so far). It is NOT removed yet: the server removes marked messages only in UPDATE, after QUIT.`,
    );
  },
  NOOP: (tx) => ok(tx, 'Nothing happens: the client checks that the server is still there.'),
  RSET: (tx) => ok(tx, 'Every deletion mark is taken back: nothing will be removed at QUIT.'),
  TOP: (tx) =>
    ok(
      tx,
      `The server sends the headers of message ${arg(tx, 0)} and ${topLines(tx)}: ${counted(tx.response.bodyLines, 'line')} in all.`,
    ),
  UIDL: (tx) => {
    if (!lists(tx)) return ok(tx, `The server gives the unique id of message ${arg(tx, 0)}.`);
    return ok(
      tx,
      `The server lists each message's unique id (${counted(tx.response.bodyLines, 'message')}). The ids stay the same across sessions, so a client that keeps mail on the server knows what it already downloaded.`,
    );
  },
  QUIT: (tx, box) => {
    if (!updates(tx))
      return ok(tx, 'The client leaves before logging in: there is no UPDATE phase and nothing changes.');
    const removed = box.numbers((m) => m.removed);
    const what = removed.length
      ? `removes the ${counted(removed.length, 'message')} marked for deletion (${removed.join(', ')})`
      : 'has nothing marked, so it removes nothing';
    return ok(
      tx,
      `The client ends the session. The server enters UPDATE and ${what}.`,
      `The client ends the session, but the server could not remove every marked message: "${tx.response.text}".`,
    );
  },
  UTF8: (tx) => ok(tx, 'The client switches the session to UTF-8 (RFC 6856).'),
  LANG: (tx) =>
    ok(
      tx,
      tx.command?.args.length
        ? `The client asks for responses in language "${arg(tx, 0)}".`
        : 'The server lists the languages it can answer in.',
    ),
  LAST: (tx) =>
    ok(
      tx,
      'LAST (removed from POP3 in RFC 1725) asks for the highest message number already accessed; old clients still send it.',
    ),
  XTND: (tx) => ok(tx, 'XTND is a vendor extension; XTND XLST lists a header of every message.'),
};

/** The explanation of one finished transaction. */
export function explain(tx: RawTransaction, box: Mailbox): string {
  if (tx.command === null) {
    if (tx.seq === 0) {
      const stamp = /<[^>]+>/.exec(tx.response.text);
      const apop = stamp ? ` Its timestamp ${stamp[0]} lets the client log in with APOP.` : '';
      return tx.response.status === '+OK'
        ? `The server greets the client: the session is in the AUTHORIZATION phase and the client must now identify itself.${apop}`
        : 'The server refused the connection in its greeting.';
    }
    return 'The server sent this while no command was waiting for an answer.';
  }
  if (tx.response.status === null) return unanswered(tx);
  const verb = tx.command.verb;
  const explainer = EXPLAIN[verb];
  if (explainer) return explainer(tx, box);
  return `The client sent "${verb}", which POP3 does not define. ${tx.response.status === '+OK' ? 'The server accepted it anyway.' : tx.response.status === '-ERR' ? 'The server refused it, as it should.' : ''}`.trim();
}

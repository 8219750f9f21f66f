/**
 * Client replay on a socket: the thin glue around ClientPlayer. Connects (cleartext or implicit TLS), upgrades
 * with TLS where the recorded session did STLS (verifying the server as `tls.ca` says), writes what the player says, records the new session through the capture writer as the proxy would (masked bytes
 * only), and hangs up where the recorded client did. A server that stops answering is given up on after
 * ANSWER_TIMEOUT_MS: replay must end by itself, also in scripts.
 */

import net from 'node:net';
import tls from 'node:tls';
import type { EngineEvent } from '../analysis/types.js';
import type { ProxySink } from '../events.js';
import { formatHostPort } from '../hostPort.js';
import { tlsFacts } from '../proxy/tls.js';
import { counted } from '../words.js';
import { ClientPlayer, type PlayerOutput } from './client.js';
import type { Credentials } from './credentials.js';
import type { RecordedSession } from './script.js';

/** How long replay waits for a server that owes an answer. */
export const ANSWER_TIMEOUT_MS = 30_000;
/** After the last answer, how long a server that should close (after QUIT) gets to do so. */
const CLOSE_GRACE_MS = 5_000;

export interface AgainstOptions {
  readonly session: RecordedSession;
  /** The new session's id in the capture and the report. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte. */
  readonly tls?: { readonly ca?: string };
  /** The CA to verify the server with after STLS (default: the system's). */
  readonly stlsCa?: string;
  readonly creds: Credentials;
  /** Receives the new session as the proxy's sinks would (e.g. the capture sink). */
  readonly sink?: ProxySink;
  readonly now?: () => number;
  readonly answerTimeoutMs?: number;
}

export interface Played {
  readonly events: readonly EngineEvent[];
  /** Why the replay stopped early (no answer, a credential it could not rebuild), or null. */
  readonly problem: string | null;
}

/** Plays one recorded session against the server; rejects only when the server cannot be reached. */
export function playAgainst(o: AgainstOptions): Promise<Played> {
  const now = o.now ?? Date.now;
  const upstream = formatHostPort(o.host, o.port);
  const servername = net.isIP(o.host) ? undefined : o.host;
  let socket: net.Socket = o.tls
    ? tls.connect({
        host: o.host,
        port: o.port,
        servername,
        ca: o.tls.ca,
      })
    : net.connect({ host: o.host, port: o.port });
  const raw = socket;
  return new Promise<Played>((resolve, reject) => {
    const events: EngineEvent[] = [];
    let player: ClientPlayer | null = null;
    let problem: string | null = null;
    let hungUp = false;
    let timer: NodeJS.Timeout | undefined;
    const emit = (list: EngineEvent[]) => {
      for (const e of list) {
        events.push(e);
        o.sink?.event?.(e);
      }
    };
    const hangUp = (why: string | null) => {
      problem ??= why;
      hungUp = true;
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    const arm = (ms: number, why: string | null) => {
      clearTimeout(timer);
      timer = setTimeout(() => hangUp(why), ms);
    };
    const onData = (chunk: Buffer) => step(chunk);
    /** The server accepted STLS: TLS on the same connection, then the player goes on inside it. */
    const startTls = () => {
      socket.off('data', onData);
      const secure = tls.connect({ socket, servername, ca: o.stlsCa });
      socket = secure;
      arm(o.answerTimeoutMs ?? ANSWER_TIMEOUT_MS, 'the TLS handshake after STLS did not finish');
      secure.once('secureConnect', () => {
        const out = player!.tlsStarted(now(), { upstream: tlsFacts(secure, 'upstream') });
        secure.on('data', onData);
        after(out);
      });
      secure.on('error', (error: NodeJS.ErrnoException) => {
        problem ??= `TLS with the server after STLS failed: ${error.code ?? error.message}`;
        raw.destroy();
      });
    };
    const step = (chunk: Buffer | null) => {
      const p = player!;
      after(chunk ? p.receive(chunk, now()) : p.start(now()));
    };
    const after = (out: PlayerOutput) => {
      const p = player!;
      emit(out.events);
      if (out.send) socket.write(out.send);
      if (out.problem) return hangUp(out.problem);
      if (out.startTls) return startTls();
      if (!p.done)
        return arm(
          o.answerTimeoutMs ?? ANSWER_TIMEOUT_MS,
          `the server sent no answer for ${(o.answerTimeoutMs ?? ANSWER_TIMEOUT_MS) / 1000} s`,
        );
      // Where the recorded client hung up without waiting for the server to close, so does the replay.
      const last = o.session.steps[o.session.steps.length - 1];
      const serverCloses = o.session.close?.by !== 'client' && last?.tx.command?.verb === 'QUIT';
      if (!serverCloses) return hangUp(null);
      arm(CLOSE_GRACE_MS, null);
    };
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      const t = now();
      const client = formatHostPort(socket.localAddress, socket.localPort);
      player = new ClientPlayer(o.session, o.id, o.creds, { client, upstream }, t);
      o.sink?.open?.({ session: o.id, t, client, upstream, tls: o.tls ? 'implicit' : 'none' });
      if (o.tls) emit(player.inspector.tls({ how: 'implicit', visibility: 'decrypted' }, t));
      step(null);
    });
    socket.on('data', onData);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!player) reject(new Error(`cannot connect to ${upstream}: ${error.code ?? error.message}`));
      else problem ??= `connection error: ${error.code ?? error.message}`;
    });
    raw.on('close', () => {
      clearTimeout(timer);
      if (!player) return;
      const t = now();
      const by = hungUp ? 'client' : 'server';
      const reason = hungUp ? 'the replay closed the connection' : 'server closed the connection';
      emit(player.close(t, by, reason));
      o.sink?.close?.({ session: o.id, t, by, reason });
      if (!player.done && !problem)
        problem = `the server closed the connection after ${player.sent} of ${counted(o.session.steps.length, 'command')}`;
      resolve({ events, problem });
    });
  });
}

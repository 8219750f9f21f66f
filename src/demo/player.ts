/**
 * A small lock-step POP3 client that plays a scenario against a server (through the proxy, in the demo),
 * pausing between commands so a class can follow each step on screen.
 */
import net from 'node:net';
import { type ScenarioName, scenarioSteps } from './scenarios.js';

export interface PlayOptions {
  readonly host: string;
  readonly port: number;
  readonly scenario: ScenarioName;
  readonly user: string;
  readonly password: string;
  /** How many messages the maildrop holds. */
  readonly messages: number;
  /** Pause between commands, in milliseconds. */
  readonly paceMs: number;
}

/** Reads whole responses from a socket: a status line, or a status line and a dot-terminated body. */
class ResponseReader {
  private buffer = '';
  private waiting: (() => void) | null = null;
  private closed = false;

  constructor(socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  async next(multiline: boolean): Promise<string> {
    for (;;) {
      const end = this.endOf(multiline);
      if (end !== -1) {
        const response = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return response;
      }
      if (this.closed) throw new Error('the server closed the connection before answering');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
      this.waiting = null;
    }
  }

  private endOf(multiline: boolean): number {
    const line = this.buffer.indexOf('\r\n');
    if (line === -1) return -1;
    if (!multiline || !this.buffer.startsWith('+OK')) return line + 2;
    if (this.buffer.slice(line + 2).startsWith('.\r\n')) return line + 5;
    const end = this.buffer.indexOf('\r\n.\r\n', line);
    return end === -1 ? -1 : end + 5;
  }
}

/** Plays the scenario; resolves with the first line of each response. Rejects if the server refuses a step. */
export async function play(o: PlayOptions): Promise<string[]> {
  const socket = net.connect({ host: o.host, port: o.port });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const reader = new ResponseReader(socket);
  const firstLines: string[] = [];
  const firstLine = (r: string) => r.slice(0, r.indexOf('\r\n'));
  try {
    firstLines.push(firstLine(await reader.next(false)));
    for (const step of scenarioSteps(o.scenario, o.user, o.password, o.messages)) {
      if (o.paceMs > 0) await new Promise((r) => setTimeout(r, o.paceMs));
      socket.write(`${step.command}\r\n`);
      const response = await reader.next(step.multiline);
      firstLines.push(firstLine(response));
      if (!response.startsWith('+OK'))
        throw new Error(`the server refused ${step.command.split(' ')[0]}: ${firstLine(response)}`);
    }
  } finally {
    socket.end();
  }
  return firstLines;
}

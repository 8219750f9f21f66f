/**
 * `pop3scope demo`: the main job (`npm start`). Starts the embedded server on its demo maildrops, the proxy
 * in front of it on 127.0.0.1:1110 (or the next free port), shows sessions live, and tells how to try it by
 * hand. `--play` runs the seed's two client modes through the proxy so a class can watch both, or the story of
 * Bob's three machines in both modes (demoPlay.ts).
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { RefillableDemoStore } from '../demo/refillStore.js';
import { SessionsSettled } from '../demo/settled.js';
import { StepKey } from '../demo/stepKey.js';
import { canListen } from '../listen.js';
import { DEFAULT_PROXY_PORT } from '../proxy/limits.js';
import { wantColour } from '../render/style.js';
import { demoUsers } from '../server/demoMailbox.js';
import { startServer } from '../server/server.js';
import { TEACHING_PACE_MS } from '../ui/limits.js';
import { liveDashboard, runDashboard, wantsDashboard } from '../ui/live.js';
import { showHostPort } from './address.js';
import { PLAY_CHOICES, type PlayChoice, playDemo } from './demoPlay.js';
import { CliError } from './errors.js';
import { choiceOption, milliseconds, parsedOption, portNumber } from './parsers.js';
import { LIVE_FORMATS, type LiveFormat, type ProxyCliOptions, startProxy } from './proxy.js';
import { localCertificate } from './serve.js';
import { untilSignal } from './signals.js';
import { startWebView, WEB_HELP, type WebFlags, webHint, webOption, webPublicOption } from './webOptions.js';

/** The flags, parsed and checked by commander (parsers.ts). */
interface DemoOptions extends WebFlags {
  port: number;
  /** --ui / --no-ui; by default the dashboard shows when stdout is a terminal. */
  ui?: boolean;
  play?: PlayChoice;
  /** Milliseconds. */
  pace: number;
  capture?: string;
  format: LiveFormat;
  color?: boolean;
  tls?: boolean;
  /** --lesson / --no-lesson: the dashboard's lesson pane (undefined: on, the demo's default). */
  lesson?: boolean;
  teachingPace?: boolean;
  /** With --play: the client waits for a key (space, or Enter with --no-ui) before each command. */
  step?: boolean;
}

/** The first port from `start` on that can be bound on 127.0.0.1 (tries 20). */
async function freePortFrom(start: number): Promise<number> {
  for (let port = start; port < start + 20 && port <= 65535; port++) {
    if (await canListen('127.0.0.1', port)) return port;
  }
  throw new CliError(`no free port on 127.0.0.1 from ${start} to ${start + 19}; choose one with --port`);
}

function instructions(port: number): string {
  return `
  Try it by hand in another terminal (the passwords below are the demo's, nothing real):
    pop3scope client 127.0.0.1:${port}    (or: telnet 127.0.0.1 ${port}, nc -C 127.0.0.1 ${port})
      user bob
      pass hungry
      list
      retr 1
      dele 1
      quit
  or with curl:  curl pop3://bob:hungry@127.0.0.1:${port}/1
  Users: bob (2 messages, 498 and 912 octets) and alice (3 messages). Every demo run starts afresh.
  Watch the transcript here. Stop with Ctrl-C.
`;
}

/** --step --no-ui: each Enter on stdin presses the key; the end of stdin (Ctrl-D) plays the rest at its pace. */
function enterPresses(key: StepKey): { close(): void } {
  process.stderr.write(
    "pop3scope demo: step by step: Enter sends the client's next command, shown first with what it asks (Ctrl-D plays the rest at its pace)\n",
  );
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => key.press());
  lines.on('close', () => key.release());
  return {
    close() {
      lines.close();
      process.stdin.pause();
    },
  };
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the embedded POP3 server with the proxy in front and show sessions live (npm start)')
    .addOption(
      parsedOption(
        '-p, --port <n>',
        'where the proxy listens (the next free port is taken if it is busy)',
        portNumber,
        DEFAULT_PROXY_PORT,
      ),
    )
    .option('--ui', 'show the dashboard (the default when stdout is a terminal and --format is text)')
    .option('--no-ui', 'print the text transcript instead of the dashboard')
    .addOption(
      choiceOption(
        '--play <mode>',
        'play a client mode through the proxy, then exit (the dashboard stays until q)',
        PLAY_CHOICES,
      ),
    )
    .addOption(parsedOption('--pace <ms>', 'pause between the played commands', milliseconds, 400))
    .option(
      '--step',
      'with --play: before each command, show it and what it asks, and wait for space (Enter with --no-ui) to send it',
    )
    .option('-c, --capture <file>', 'also record the sessions to this capture file')
    .addOption(choiceOption('-f, --format <format>', 'live output on stdout', LIVE_FORMATS, 'text'))
    .option('--color', 'colour the transcript even when stdout is not a terminal')
    .option('--no-color', 'never colour the transcript or the dashboard (NO_COLOR=1 too)')
    .option('--lesson', 'show the lesson pane in the dashboard (the default in the demo; key t)')
    .option('--no-lesson', 'start the dashboard without the lesson pane (key t shows it)')
    .option(
      '--teaching-pace',
      'start the dashboard at teaching pace: while following, one transaction explained every 3 s (key p)',
    )
    .option(
      '--tls',
      "let the demo server offer STLS (certificate from pop3scope's local CA) so the class can watch an upgrade",
    )
    .addHelpText(
      'after',
      `
Examples:
  npm start                                   the same as: pop3scope demo
  pop3scope demo --play download-and-delete   LIST, RETR, DELE each, QUIT: the server removes both messages
  pop3scope demo --play download-and-keep     UIDL, RETR each, QUIT: the messages stay on the server
  pop3scope demo --play keep-vs-delete        Bob's office PC, home PC and laptop in turn, in both modes
  pop3scope demo --play download-and-delete --step   the class guesses each answer before space sends the command
  pop3scope demo --port 2525 --capture class.jsonl
  pop3scope demo --tls                        the server offers STLS; watch the upgrade decrypted
  pop3scope demo --web                        the sessions as sequence diagrams in the browser, live
${WEB_HELP}`,
    )
    .addOption(webOption())
    .addOption(webPublicOption())
    .action(async (o: DemoOptions) => {
      if (o.step && !o.play) throw new CliError('--step needs --play MODE: it steps the built-in client');
      const wanted = o.port;
      // With --tls the demo server offers STLS; the proxy intercepts it and verifies the server with the same CA.
      const local = o.tls ? await localCertificate() : null;
      const port = await freePortFrom(wanted);
      // The demo maildrops, refillable: --play keep-vs-delete starts its second round from a full mailbox.
      const store = new RefillableDemoStore();
      const server = await startServer({ host: '127.0.0.1', port: 0, store, tls: local?.tls });
      // Before the proxy listens: a --web port in use ends the demo in one line.
      const web = await startWebView(o, { title: `pop3scope demo — proxy 127.0.0.1:${port}` }).catch(
        async (error: unknown) => {
          await server.close();
          throw error;
        },
      );
      const sessions = new SessionsSettled(() => server.sessionCount());
      const upstream = showHostPort(server.address());
      const key = o.step ? new StepKey() : null;
      const dashboard = wantsDashboard(o)
        ? await liveDashboard({
            capture: o.capture ?? null,
            logs: 'logs off',
            hint: webHint(web, `connect: pop3scope client 127.0.0.1:${port}`),
            colour: wantColour(o.color, process.stdout),
            // How to connect, on screen as long as the dashboard runs (the by-hand lines are not printed then).
            connect: {
              host: '127.0.0.1',
              port,
              users: demoUsers().map((u) => ({
                name: u.name,
                password: u.password,
                messages: u.messages.length,
              })),
              caPath: local?.caPath ?? null,
            },
            lesson: o.lesson ?? true,
            paceMs: o.teachingPace ? TEACHING_PACE_MS : null,
            // --step: space sends the client's next command instead of pausing the screen.
            step: Boolean(o.step),
            onAction: (action) => {
              if (action.type === 'step') key?.press();
            },
          })
        : null;
      const proxyOptions: ProxyCliOptions = {
        upstream,
        listen: `127.0.0.1:${port}`,
        capture: o.capture,
        format: o.format,
        logLevel: dashboard ? 'silent' : 'warn',
        quiet: dashboard !== null,
        connectTimeout: 5,
        color: o.color,
        upstreamCa: local?.caPath,
      };
      // A proxy that cannot start (a bad --capture path) must not leave the embedded server holding the process.
      const { proxy } = await startProxy(proxyOptions, [
        ...(dashboard ? [dashboard] : []),
        sessions,
        ...(web ? [web.feed] : []),
      ]).catch(async (error: unknown) => {
        await web?.stop();
        await server.close();
        throw error;
      });
      const moved = port === wanted ? '' : ` (port ${wanted} was busy)`;
      process.stderr.write(
        `pop3scope demo: the demo POP3 server runs on ${upstream}; the proxy listens on 127.0.0.1:${port}${moved}${o.capture ? `, recording to ${o.capture}` : ''}\n`,
      );
      const enter = key && !dashboard ? enterPresses(key) : null;
      const playModes = () =>
        playDemo({
          step: key,
          play: o.play!,
          port,
          paceMs: o.pace,
          store,
          sessions,
          dashboard,
          // Beside a JSON transcript the story goes to stderr, so stdout stays one JSON record a line.
          write: (text) => (o.format === 'json' ? process.stderr : process.stdout).write(text),
        });
      try {
        if (dashboard) {
          // The by-hand instructions are on the dashboard (connect lines, the lesson pane, the help), with q.
          await runDashboard(dashboard, {
            signal: untilSignal(),
            stop: async () => {
              await proxy.stop(1000);
              await web?.stop();
            },
            work: o.play ? playModes() : undefined,
          });
        } else if (o.play) {
          await playModes();
          if (web) {
            // The page keeps what it was sent, but one opened (or reloaded) now still needs the server.
            process.stderr.write('pop3scope demo: played; the web view stays until Ctrl-C\n');
            await untilSignal();
          }
        } else {
          process.stderr.write(instructions(port));
          if (local) {
            process.stderr.write(
              `  STLS: curl --ssl-reqd --cacert ${local.caPath} pop3://bob:hungry@127.0.0.1:${port}/\n  (pop3scope intercepts the upgrade and shows the decrypted session)\n\n`,
            );
          }
          await untilSignal();
        }
      } finally {
        enter?.close();
        key?.release();
        await proxy.stop(1000);
        await web?.stop();
        await server.close();
      }
    });
}

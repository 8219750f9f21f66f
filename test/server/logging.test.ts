/**
 * The server's logs name users and methods but never a secret: no password, PASS argument, APOP digest or
 * SASL blob, in clear or base64, at any level — checked on the raw log output of logins by every mechanism.
 */
import { createHash, createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/server.js';
import { RawClient } from './helpers.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('logging', () => {
  it('logs connections and logins, and no secret of any login method', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        output += chunk.toString();
        done();
      },
    });
    const server = await startServer({ port: 0, logger: pino({ level: 'trace' }, sink) });
    const port = server.address().port;
    const secrets: string[] = ['hungry', 'Wr0ng-Secret', 'wonderland'];
    const sent: string[] = [];
    const send = async (c: RawClient, line: string) => {
      sent.push(line);
      return c.command(line);
    };

    try {
      const session = async (run: (c: RawClient, greeting: string) => Promise<void>) => {
        const { client, greeting } = await RawClient.open(port);
        await run(client, greeting);
        client.write('QUIT\r\n');
        await client.untilClosed();
      };
      await session(async (c) => {
        await send(c, 'USER bob');
        await send(c, 'PASS Wr0ng-Secret');
        await send(c, 'USER bob');
        await send(c, 'PASS hungry');
      });
      await session(async (c, greeting) => {
        const ts = /<[^>]+>/.exec(greeting)![0];
        const wrong = createHash('md5').update(`${ts}Wr0ng-Secret`).digest('hex');
        const right = createHash('md5').update(`${ts}wonderland`).digest('hex');
        secrets.push(wrong, right);
        await send(c, `APOP alice ${wrong}`);
        expect(await send(c, `APOP alice ${right}`)).toMatch(/^\+OK/);
      });
      await session(async (c) => {
        const blob = b64('\0bob\0hungry');
        secrets.push(blob, b64('\0bob\0Wr0ng-Secret'));
        await send(c, `AUTH PLAIN ${b64('\0bob\0Wr0ng-Secret')}`);
        await send(c, 'AUTH PLAIN');
        expect(await send(c, blob)).toMatch(/^\+OK/);
      });
      await session(async (c) => {
        secrets.push(b64('hungry'), b64('Wr0ng-Secret'));
        await send(c, `AUTH LOGIN ${b64('bob')}`);
        await send(c, b64('Wr0ng-Secret'));
        await send(c, 'AUTH LOGIN');
        await send(c, b64('bob'));
        expect(await send(c, b64('hungry'))).toMatch(/^\+OK/);
      });
      await session(async (c) => {
        const challenge = Buffer.from((await send(c, 'AUTH CRAM-MD5')).slice(2), 'base64').toString();
        const digest = createHmac('md5', 'hungry').update(challenge).digest('hex');
        const response = b64(`bob ${digest}`);
        secrets.push(digest, response);
        expect(await send(c, response)).toMatch(/^\+OK/);
      });
    } finally {
      await server.close();
    }

    // The capture worked and holds what an operator needs...
    const records = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.msg === 'connection')).toHaveLength(5);
    const logins = records.filter((r) => r.msg === 'login').map((r) => `${r.user} ${r.method}`);
    expect(logins).toEqual([
      'bob USER/PASS',
      'alice APOP',
      'bob AUTH PLAIN',
      'bob AUTH LOGIN',
      'bob AUTH CRAM-MD5',
    ]);
    expect(records.filter((r) => r.msg === 'login failed').length).toBe(4);
    // ...and none of the secrets, or of the lines that carried them.
    const secretLines = sent.filter(
      (l) => !/^(USER|AUTH (PLAIN|LOGIN|CRAM-MD5)$)/.test(l) && l !== b64('bob'),
    );
    for (const secret of [...secrets, ...secretLines]) expect(output, secret).not.toContain(secret);
  });
});

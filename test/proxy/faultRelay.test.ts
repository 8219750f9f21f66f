/**
 * The server → client relay under fault injection: every server chunk is inspected as it came, the injector's
 * steps are carried out in order (send, wait, close, stall), and with no rule matching the client gets every
 * chunk as it was, end included.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FaultStep } from '../../src/faults/types.js';
import { type FaultActions, type Injector, pipeWithFaults } from '../../src/proxy/faultRelay.js';
import type { RelayHandlers } from '../../src/proxy/relay.js';

function rig(steps: (chunk: Uint8Array) => FaultStep[]) {
  const from = new PassThrough();
  const to = new PassThrough();
  const received: Buffer[] = [];
  to.on('data', (c: Buffer) => received.push(c));
  const inspected: string[] = [];
  const done: string[] = [];
  let ended = false;
  to.on('end', () => {
    ended = true;
  });
  const handlers: RelayHandlers = {
    inspect: (_from, chunk) => inspected.push(chunk.toString('latin1')),
    ended: () => done.push('ended'),
  };
  const injector: Injector = { client: () => {}, server: steps };
  const actions: FaultActions = {
    injected: (s) => done.push(`injected ${s.on}`),
    close: (rst) => done.push(`close ${rst}`),
    tlsFail: () => done.push('tls-fail'),
  };
  pipeWithFaults(from, to, handlers, injector, actions);
  const settle = () => new Promise((r) => setTimeout(r, 30));
  return { from, received, inspected, done, settle, ended: () => ended };
}

describe('pipeWithFaults', () => {
  it('with nothing injected, every chunk reaches the client as it came, and the end too', async () => {
    const r = rig((chunk) => [{ type: 'send', bytes: chunk }]);
    for (const text of ['+OK hi\r\n', '+OK 2 messages\r\n', '1 120\r\n.\r\n'])
      r.from.write(Buffer.from(text));
    r.from.end();
    await r.settle();
    expect(r.received.map((b) => b.toString())).toEqual([
      '+OK hi\r\n',
      '+OK 2 messages\r\n',
      '1 120\r\n.\r\n',
    ]);
    expect(r.inspected).toEqual(['+OK hi\r\n', '+OK 2 messages\r\n', '1 120\r\n.\r\n']);
    expect(r.ended()).toBe(true);
    expect(r.done).toEqual(['ended']);
  });

  it('a wait holds what follows back, in order; an injected step is reported before its bytes', async () => {
    let first = true;
    const r = rig((chunk) => {
      if (!first) return [{ type: 'send', bytes: chunk }];
      first = false;
      return [
        { type: 'injected', rule: 'greeting delay 20', on: 'greeting', what: 'after 20 ms' },
        { type: 'wait', ms: 20 },
        { type: 'send', bytes: chunk },
      ];
    });
    r.from.write(Buffer.from('+OK hi\r\n'));
    r.from.write(Buffer.from('+OK next\r\n'));
    await new Promise((res) => setTimeout(res, 5));
    expect(r.received).toEqual([]);
    await r.settle();
    expect(Buffer.concat(r.received).toString()).toBe('+OK hi\r\n+OK next\r\n');
    expect(r.done).toEqual(['injected greeting']);
  });

  it('close: the session is closed there and nothing after it reaches the client', async () => {
    const r = rig((chunk) =>
      chunk.toString().startsWith('+OK 912')
        ? [
            { type: 'send', bytes: chunk.subarray(0, 5) },
            { type: 'close', rst: true },
          ]
        : [{ type: 'send', bytes: chunk }],
    );
    r.from.write(Buffer.from('+OK hi\r\n'));
    r.from.write(Buffer.from('+OK 912 octets\r\nbody\r\n'));
    r.from.write(Buffer.from('.\r\n'));
    await r.settle();
    expect(Buffer.concat(r.received).toString()).toBe('+OK hi\r\n+OK 9');
    expect(r.done).toEqual(['close true']);
    // The server's bytes are still inspected: the transcript says what the server really sent.
    expect(r.inspected.join('')).toBe('+OK hi\r\n+OK 912 octets\r\nbody\r\n.\r\n');
  });

  it('stall: nothing more is sent, and the connection stays open even when the server ends', async () => {
    let n = 0;
    const r = rig((chunk) => (n++ === 0 ? [{ type: 'send', bytes: chunk }] : [{ type: 'stall' }]));
    r.from.write(Buffer.from('+OK hi\r\n'));
    r.from.write(Buffer.from('+OK 2 messages\r\n'));
    r.from.write(Buffer.from('-ERR late\r\n'));
    r.from.end();
    await r.settle();
    expect(Buffer.concat(r.received).toString()).toBe('+OK hi\r\n');
    expect(r.ended()).toBe(false);
    expect(r.inspected).toHaveLength(3);
  });
});

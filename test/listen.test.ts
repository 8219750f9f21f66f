import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundAddress, canListen, listen } from '../src/listen.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});
const server = () => {
  const s = createServer();
  servers.push(s);
  return s;
};

describe('listen', () => {
  it('resolves with the address bound, the port the OS picked for 0', async () => {
    const s = server();
    const bound = await listen(s, '127.0.0.1', 0);
    expect(bound.host).toBe('127.0.0.1');
    expect(bound.port).toBeGreaterThan(0);
    expect(boundAddress(s)).toEqual(bound);
  });

  it('rejects with the OS error when the address is taken, and leaves no error listener behind', async () => {
    const first = await listen(server(), '127.0.0.1', 0);
    const second = server();
    await expect(listen(second, '127.0.0.1', first.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.listenerCount('error')).toBe(0);
  });

  it('binds IPv6 loopback as ::1', async () => {
    const bound = await listen(server(), '::1', 0);
    expect(bound.host).toBe('::1');
  });

  it('canListen: true for a free port or loopback address, false for a taken port or an address not here', async () => {
    expect(await canListen('127.0.0.1')).toBe(true);
    const taken = await listen(server(), '127.0.0.1', 0);
    expect(await canListen('127.0.0.1', taken.port)).toBe(false);
    expect(await canListen('192.0.2.1')).toBe(false); // TEST-NET-1: no interface has it
  });
});

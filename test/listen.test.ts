import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundAddress, canListen, listen } from '../src/listen.js';
import { ProxyServer } from '../src/proxy/server.js';

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

  // The backlog the kernel gave a listening socket is what `ss -ltn` shows as its Send-Q.
  const SOMAXCONN = '/proc/sys/net/core/somaxconn';
  const somaxconn = existsSync(SOMAXCONN) ? Number(readFileSync(SOMAXCONN, 'utf8')) : 0;
  const hasSs = spawnSync('ss', ['-V']).status === 0;
  const backlogOf = (port: number): number => {
    const out = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout.trim();
    return Number(out.split(/\s+/)[2]);
  };
  it.skipIf(!hasSs || somaxconn <= 511)(
    "the backlog is the system's most (net.core.somaxconn), not Node's 511, for the proxy too",
    async () => {
      const bound = await listen(server(), '127.0.0.1', 0);
      expect(backlogOf(bound.port)).toBe(somaxconn);
      const proxy = await ProxyServer.start({
        listen: { host: '127.0.0.1', port: 0 },
        upstream: { host: '127.0.0.1', port: 9 },
        sinks: [],
      });
      try {
        expect(backlogOf(proxy.address().port)).toBe(somaxconn);
      } finally {
        await proxy.stop(0);
      }
    },
  );
});

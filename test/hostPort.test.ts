// The one host:port formatter (issue 13): what the proxy, the replay server and the CLI print for an address.
import { describe, expect, it } from 'vitest';
import { formatHostPort } from '../src/hostPort.js';

describe('formatHostPort', () => {
  it('writes IPv4 addresses and host names as host:port', () => {
    expect(formatHostPort('127.0.0.1', 110)).toBe('127.0.0.1:110');
    expect(formatHostPort('mail.example.org', 995)).toBe('mail.example.org:995');
    expect(formatHostPort('localhost', 65535)).toBe('localhost:65535');
  });

  it('puts IPv6 addresses in brackets, IPv4-mapped and scoped ones too', () => {
    expect(formatHostPort('::1', 110)).toBe('[::1]:110');
    expect(formatHostPort('2001:db8::25', 1110)).toBe('[2001:db8::25]:1110');
    expect(formatHostPort('::ffff:127.0.0.1', 50000)).toBe('[::ffff:127.0.0.1]:50000');
    expect(formatHostPort('fe80::1%lo0', 110)).toBe('[fe80::1%lo0]:110');
  });

  it('shows port 0 (an ephemeral port not yet bound) as 0', () => {
    expect(formatHostPort('127.0.0.1', 0)).toBe('127.0.0.1:0');
    expect(formatHostPort('::', 0)).toBe('[::]:0');
  });

  it('shows what a closed socket cannot tell as "?"', () => {
    expect(formatHostPort(undefined, undefined)).toBe('?');
    expect(formatHostPort('', 110)).toBe('?');
    expect(formatHostPort(undefined, 110)).toBe('?');
    expect(formatHostPort('127.0.0.1', undefined)).toBe('127.0.0.1:?');
  });
});

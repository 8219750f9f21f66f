/** HOST:PORT flags (every one goes through parseHostPort): the grammar, and a message that says what is wrong. */
import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/cli/address.js';

describe('parseHostPort', () => {
  it('takes the highest port and port 0', () => {
    expect(parseHostPort('127.0.0.1:65535', '--listen')).toEqual({ host: '127.0.0.1', port: 65535 });
    expect(parseHostPort('[::1]:0', '--listen')).toEqual({ host: '::1', port: 0 });
  });

  it.each(['127.0.0.1:99999', '127.0.0.1:65536', '[::1]:123456', ':70000'])(
    'regression: %s says the port is out of range, not that the form is wrong',
    (value) => {
      expect(() => parseHostPort(value, '--listen', '127.0.0.1')).toThrow(
        new RegExp(
          `^--listen: port \\d+ is out of range \\(ports go from 0 to 65535\\), in "${value.replace(/[[\]]/g, '\\$&')}"$`,
        ),
      );
    },
  );

  it.each(['127.0.0.1', '127.0.0.1:', 'host:port', '127.0.0.1:-1', ':110x'])(
    '%s is not HOST:PORT',
    (value) => {
      expect(() => parseHostPort(value, '--upstream')).toThrow(/^--upstream must be HOST:PORT/);
    },
  );
});

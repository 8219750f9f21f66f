/**
 * STLS (RFC 2595 §4): only in AUTHORIZATION, only once, only when the server has a certificate. The command
 * just says yes or no; the connection (connection.ts) does the upgrade after the +OK, and is the one that
 * throws away whatever the client sent behind the STLS line.
 */
import { err, ok } from '../reply.js';
import type { CommandTable } from './types.js';

export const tlsCommands: CommandTable = {
  STLS: {
    run(ctx) {
      if (ctx.deps.tls === undefined) return err('STLS not available: this server has no TLS certificate');
      if (ctx.secure) return err('already using TLS');
      // No command is read again before the handshake has finished, so the session may count as TLS now.
      ctx.secure = true;
      return { ...ok('Begin TLS negotiation'), startTls: true };
    },
  },
};

/** The seed's two client modes as steps; which answers carry a body comes from the command table. */
import { describe, expect, it } from 'vitest';
import { scenarioSteps } from '../../src/demo/scenarios.js';

describe('scenarioSteps', () => {
  it('download-and-delete: login, LIST, RETR and DELE each, QUIT; only LIST and RETR wait for a body', () => {
    expect(scenarioSteps('download-and-delete', 'bob', 'pw', 2)).toEqual([
      { command: 'USER bob', multiline: false },
      { command: 'PASS pw', multiline: false },
      { command: 'LIST', multiline: true },
      { command: 'RETR 1', multiline: true },
      { command: 'DELE 1', multiline: false },
      { command: 'RETR 2', multiline: true },
      { command: 'DELE 2', multiline: false },
      { command: 'QUIT', multiline: false },
    ]);
  });

  it('download-and-keep: login, UIDL, RETR each, QUIT', () => {
    expect(scenarioSteps('download-and-keep', 'bob', 'pw', 1)).toEqual([
      { command: 'USER bob', multiline: false },
      { command: 'PASS pw', multiline: false },
      { command: 'UIDL', multiline: true },
      { command: 'RETR 1', multiline: true },
      { command: 'QUIT', multiline: false },
    ]);
  });
});

/**
 * The dashboard's hint with --web (cli/webOptions.ts webHint): the page's URL alone, so its token is whole on
 * an 80-column terminal. Regression: the hint was "connect: pop3scope client 127.0.0.1:PORT · web view: URL",
 * whose token the sessions pane clipped (and a clipped token is refused with 403).
 */
import { describe, expect, it } from 'vitest';
import { webHint } from '../../src/cli/webOptions.js';
import { sessionsPane } from '../../src/ui/panes.js';
import { initialState } from '../../src/ui/state.js';

const URL = 'http://127.0.0.1:43213/?t=IlEyYh8_kLrvG06IkVKbRw';
/** The sessions pane's inner width in an 80-column terminal (its box takes two). */
const WIDTH = 78;

const paneText = (hint: string) =>
  sessionsPane(initialState({ mode: 'live', now: 0, hint }), WIDTH, 6, 0)
    .rows.map((r) => r.spans.map((s) => s.text).join(''))
    .join('\n');

describe('the dashboard hint with --web', () => {
  it('is the URL alone, shown whole while no session is listed', () => {
    expect(webHint({ url: URL }, 'connect: pop3scope client 127.0.0.1:1110')).toBe(URL);
    expect(paneText(webHint({ url: URL }, 'connect: pop3scope client 127.0.0.1:1110'))).toContain(URL);
  });

  it('without --web, the connect hint as before', () => {
    expect(webHint(null, 'connect: pop3scope client 127.0.0.1:1110')).toBe(
      'connect: pop3scope client 127.0.0.1:1110',
    );
  });

  it('regression: the old hint lost the end of the token at this width', () => {
    const old = `connect: pop3scope client 127.0.0.1:1110 · web view: ${URL}`;
    expect(paneText(old)).not.toContain(URL);
  });
});

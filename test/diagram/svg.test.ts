/** renderSvg: well-formed XML, every text escaped, the classes and data attributes the page relies on, no secret. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutSession } from '../../src/diagram/layout.js';
import { bodyText, clipped, renderSvg, xmlText } from '../../src/diagram/svg.js';
import { JSON_VERSION } from '../../src/render/json.js';
import { captureSession, emptySession, tx } from './records.js';
import { checkXml } from './xml.js';

const NASTY = 'a<b & "c" \'d\' ]]> e\u0000\u0007\u001b\r\n\t\u007f \ud800 \ufffe end';

describe('renderSvg', async () => {
  const seed = await captureSession('seed-download-and-delete');
  const svg = renderSvg(layoutSession(seed), { title: 'bob <seed>', selected: 'c4' });

  it('is one well-formed <svg> element', () => {
    const names = checkXml(svg);
    expect(names[0]).toBe('svg');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>bob &lt;seed&gt;</title>');
  });

  it('(the XML check itself refuses what is not well-formed)', () => {
    for (const bad of [
      '<a>&</a>',
      '<a><b></a>',
      '<a x="<"/>',
      '<a>\u0001</a>',
      '<a>\ud800</a>',
      '<a/><b/>',
      '<a>',
      '<a>></a>',
    ]) {
      expect(() => checkXml(bad), bad).toThrow();
    }
    expect(checkXml('<a x="1"><b/>t &amp; &#39;</a>')).toEqual(['a', 'b']);
  });

  it('has an arrow group per arrow with its id, seq, kind, status and <title>', () => {
    const arrows = [...svg.matchAll(/<g class="arrow ([^"]*)" data-arrow="([^"]*)"( data-seq="(\d+)")?/g)];
    expect(arrows.map((m) => m[2])).toEqual(layoutSession(seed).arrows.map((a) => a.id));
    expect(arrows[0]?.[1]).toBe('kind-response status-ok');
    expect(arrows[1]?.[1]).toBe('kind-command status-none');
    expect(arrows.find((m) => m[2] === 'c4')?.[1]).toBe('kind-command status-none selected');
    expect(arrows.filter((m) => m[1]?.includes('selected'))).toHaveLength(1);
    expect(arrows.map((m) => m[4])).toEqual(layoutSession(seed).arrows.map((a) => String(a.seq)));
    expect(svg).toContain('<title>pass &lt;redacted 6 octets&gt;</title>');
    expect(svg).toMatch(/marker-end="url\(#p3s-head\)"/);
    expect(svg).toMatch(/<marker id="p3s-head"/);
    // Regression: heads were sized by stroke width, so the selected (thicker) arrow got a huge one.
    expect(svg).toMatch(/<marker id="p3s-head" [^>]*markerUnits="userSpaceOnUse"/);
  });

  it('draws bands with labels, body blocks with octets and lines', () => {
    for (const phase of ['AUTHORIZATION', 'TRANSACTION', 'UPDATE']) {
      expect(svg).toMatch(new RegExp(`<rect class="band phase-${phase}" data-phase="${phase}"`));
      expect(svg).toContain(`>${phase}</text>`);
    }
    expect(svg).toContain('<g class="body" data-arrow="r6">');
    expect(svg).toContain('912 octets \u00b7 24 lines');
    expect(bodyText({ octets: 1, lines: 1, complete: false, y: 0, height: 1 })).toBe(
      '1 octet \u00b7 1 line \u00b7 incomplete',
    );
  });

  it('never holds the demo passwords, in any capture', async () => {
    for (const name of ['seed-download-and-delete', 'pipelined', 'auth-login', 'dovecot-mpop-pipelined']) {
      const text = renderSvg(layoutSession(await captureSession(name), { time: 'proportional' }));
      expect(text).not.toMatch(/hungry|wonderland|aHVuZ3J5|d29uZGVybGFuZA/);
      const capture = readFileSync(`captures/${name}.jsonl`, 'utf8');
      expect(capture).not.toMatch(/hungry|wonderland/);
    }
  });

  it('escapes every text: labels, titles, markers, ids; control bytes shown, not lost', () => {
    const base = { session: 's1', version: JSON_VERSION } as const;
    const violation = { code: 'POP3_BAD_STATUS', severity: 'error', message: NASTY, rfc: NASTY } as const;
    const s = emptySession({
      transactions: [
        tx(0, null, { text: NASTY }),
        { ...tx(1, `NOOP ${NASTY}`, { text: NASTY }), violations: [violation] },
      ],
      injected: [{ ...base, type: 'injected', at: 5000, rule: NASTY, on: NASTY, what: NASTY }],
      violations: [{ ...base, type: 'violation', at: 6000, ...violation }],
    });
    const text = renderSvg(layoutSession(s, { time: 'proportional' }), { title: NASTY, selected: NASTY });
    checkXml(text);
    expect(text).not.toContain(']]>');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe]/);
    expect(text).toContain('\u2400\u2407\u241b\u240d\u240a\u2409\u2421');
    expect(text).toContain('a&lt;b &amp; &quot;c&quot; &#39;d&#39; ]]&gt; e');
  });

  it('clips long labels with an ellipsis, the whole label in the title', () => {
    const long = `NOOP ${'x'.repeat(300)}`;
    const text = renderSvg(layoutSession(emptySession({ transactions: [tx(1, long)] })));
    expect(text).toContain(`<title>${long}</title>`);
    const shown = /<text x="[^"]*" y="[^"]*" text-anchor="middle">(NOOP x+\u2026)<\/text>/.exec(text)?.[1];
    expect(shown?.length).toBeGreaterThan(20);
    expect(shown?.length).toBeLessThan(80);
    expect(clipped('ab\u{1F512}cd', 3)).toBe('ab\u2026');
    expect(clipped('ab\u{1F512}cd', 4)).toBe('ab\u{1F512}\u2026');
    expect(clipped('abc', 3)).toBe('abc');
    expect(xmlText('\u{1F512}')).toBe('\u{1F512}');
  });

  it('markers, TLS, the pop3scope lane, the cut and the id prefix', async () => {
    const buggy = renderSvg(layoutSession(await captureSession('buggy-server')), { idPrefix: 'd7' });
    checkXml(buggy);
    expect(buggy).toContain(
      '<g class="marker severity-error" data-code="POP3_SIZE_MISMATCH" data-arrow="r5">',
    );
    expect(buggy).toMatch(/<g class="marker severity-warning" data-code="POP3_NO_UPDATE"><title>/);
    expect(buggy).toContain('POP3_SIZE_MISMATCH \u00b7 RFC 1939');
    expect(buggy).toContain('<marker id="d7-head"');
    expect(buggy).not.toContain('p3s-head');
    expect(buggy).toContain('class="arrow kind-response status-ok has-violations" data-arrow="r5"');
    const base = { session: 's1', version: JSON_VERSION } as const;
    const s = emptySession({
      transactions: [tx(0, null), tx(1, 'STLS'), tx(2, 'QUIT', { status: '-ERR' })],
      tls: [{ ...base, type: 'tls', at: 1150, how: 'stls', visibility: 'opaque' }],
      injected: [{ ...base, type: 'injected', at: 1300, rule: 'r', on: 'QUIT', what: 'cut' }],
    });
    const text = renderSvg(layoutSession(s, { maxArrows: 4 }));
    checkXml(text);
    expect(text).toContain('<g class="tls" data-how="stls" data-visibility="opaque">');
    expect(text).toContain('<g class="lane lane-pop3scope" data-lane="pop3scope">');
    expect(text).toContain('class="arrow kind-command status-none" data-arrow="c2"');
    expect(text).toContain('data-omitted="2"');
    expect(text).toContain('2 more arrows not drawn');
    const err = renderSvg(layoutSession(s));
    expect(err).toContain('class="arrow kind-response status-err" data-arrow="r2"');
    expect(err).toContain('marker-end="url(#p3s-head-err)"');
    expect(err).toContain('class="arrow kind-injected status-none" data-arrow="i0"');
  });
});

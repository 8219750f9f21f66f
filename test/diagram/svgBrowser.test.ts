/**
 * The SVG in real Chromium: DOMParser as image/svg+xml (the strict XML parser) accepts it, nasty labels come
 * back as the same text, and the diagram drawn inline in a page with DIAGRAM_CSS has its arrows, bands and
 * colours (an -ERR arrow red) and no secret in the DOM.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { layoutSession } from '../../src/diagram/layout.js';
import { DIAGRAM_CSS } from '../../src/diagram/style.js';
import { renderSvg } from '../../src/diagram/svg.js';
import { type Browser, launchChromium, newPage } from '../helpers/browser.js';
import { describeWithPeers } from '../helpers/peers.js';
import { captureSession, emptySession, tx } from './records.js';

const NASTY = 'a<b & "c" ]]> \u0000\u001b\r\n end';

describeWithPeers(['chromium'], 'the diagram in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('parses as XML (DOMParser image/svg+xml) with every text as written', async () => {
    const s = emptySession({
      transactions: [tx(0, null, { text: NASTY }), tx(1, `NOOP ${NASTY}`, { status: '-ERR' })],
    });
    const svgs = [
      renderSvg(layoutSession(s), { title: NASTY }),
      renderSvg(layoutSession(await captureSession('buggy-server'), { time: 'proportional' })),
      renderSvg(layoutSession(await captureSession('pipelined'))),
    ];
    const page = await newPage(browser);
    const results = await page.evaluate((list) => {
      return list.map((text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        const error = doc.getElementsByTagName('parsererror')[0];
        return {
          error: error ? error.textContent : null,
          root: doc.documentElement.nodeName,
          titles: [...doc.querySelectorAll('g.arrow > title')].map((t) => t.textContent),
        };
      });
    }, svgs);
    for (const r of results) {
      expect(r.error).toBeNull();
      expect(r.root).toBe('svg');
    }
    expect(results[0]?.titles).toEqual([
      '+OK a<b & "c" ]]> \u2400\u241b\u240d\u240a end',
      'NOOP a<b & "c" ]]> \u2400\u241b\u240d\u240a end',
      '-ERR',
    ]);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('drawn inline with DIAGRAM_CSS: arrows, bands, a red -ERR, no password in the DOM', async () => {
    const seed = renderSvg(layoutSession(await captureSession('seed-download-and-delete')), {
      selected: 'c4',
    });
    const err = renderSvg(
      layoutSession(emptySession({ transactions: [tx(1, 'NOOP', { status: '-ERR' })] })),
      {
        idPrefix: 'e',
      },
    );
    const page = await newPage(browser);
    await page.setContent(
      `<!doctype html><style>${DIAGRAM_CSS}</style><div id="d">${seed}</div><div>${err}</div>`,
    );
    const seen = await page.evaluate(() => {
      const arrows = [...document.querySelectorAll('#d g.arrow')];
      const shaft = (sel: string) => {
        const line = document.querySelector(sel);
        return line ? getComputedStyle(line).stroke : null;
      };
      const band = document.querySelector('rect.band.phase-TRANSACTION');
      return {
        labels: arrows.map((g) => g.querySelector('text')?.textContent),
        bands: [...document.querySelectorAll('#d rect.band')].map((b) => b.getAttribute('data-phase')),
        selected: [...document.querySelectorAll('g.arrow.selected')].map((g) => g.getAttribute('data-arrow')),
        errStroke: shaft('g.arrow.status-err line.shaft'),
        okStroke: shaft('#d g.arrow.status-ok line.shaft'),
        bandFill: band ? getComputedStyle(band).fill : null,
        box: (document.querySelector('#d svg') as SVGSVGElement).getBoundingClientRect().height,
        html: document.documentElement.outerHTML,
      };
    });
    expect(seen.labels.slice(0, 5)).toEqual([
      '+OK POP3 server ready',
      'user bob',
      '+OK',
      'pass <redacted 6 octets>',
      '+OK user successfully logged on',
    ]);
    expect(seen.labels).toContain('retr 1');
    expect(seen.labels).toContain('dele 1');
    expect(seen.labels).toContain('quit');
    expect(seen.bands).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
    expect(seen.selected).toEqual(['c4']);
    expect(seen.errStroke).toBe('rgb(198, 40, 40)');
    expect(seen.okStroke).not.toBe(seen.errStroke);
    expect(seen.bandFill).toBe('rgb(226, 240, 251)');
    expect(seen.box).toBeGreaterThan(300);
    expect(seen.html).not.toMatch(/hungry|aHVuZ3J5/);
    // Projector mode: the same diagram twice as large.
    const large = await page.evaluate(() => {
      const svg = document.querySelector('#d svg') as SVGSVGElement;
      const before = svg.getBoundingClientRect().width;
      document.body.classList.add('large');
      return svg.getBoundingClientRect().width / before;
    });
    expect(large).toBeCloseTo(2, 1);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
    await page.close();
  });
});

/**
 * A small XML well-formedness check for the renderer's output (no XML library in the tree): tags balance,
 * attributes are quoted with no raw < or & inside, every & starts a known entity, no character XML 1.0 forbids.
 * Chromium's DOMParser is the real check (svgBrowser.test.ts); this one runs everywhere and fast.
 */
const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})="([^"<]*)"`, 'y');
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;

/** Throws with the offset of the first problem; returns the element names in document order. */
export function checkXml(xml: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  let k = 0;
  const fail = (why: string) => {
    throw new Error(`${why} at ${k}: ${JSON.stringify(xml.slice(Math.max(0, k - 40), k + 40))}`);
  };
  while (k < xml.length) {
    const c = xml.charCodeAt(k);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffe || c === 0xffff)
      fail('forbidden character');
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = xml.charCodeAt(k + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) fail('lone surrogate');
      k += 2;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) fail('lone surrogate');
    if (xml[k] === '&') {
      ENTITY.lastIndex = k;
      if (!ENTITY.test(xml)) fail('bare &');
      k = ENTITY.lastIndex;
      continue;
    }
    if (xml[k] === '>') fail('raw > in text');
    if (xml[k] !== '<') {
      if (stack.length === 0 && !/\s/.test(xml[k] as string)) fail('text outside the root');
      k++;
      continue;
    }
    const close = xml[k + 1] === '/';
    const nameMatch = new RegExp(NAME, 'y');
    nameMatch.lastIndex = k + (close ? 2 : 1);
    const m = nameMatch.exec(xml);
    if (!m) fail('bad tag name');
    const name = (m as RegExpExecArray)[0];
    k = nameMatch.lastIndex;
    if (close) {
      if (stack.pop() !== name) fail(`unbalanced </${name}>`);
      if (xml[k] !== '>') fail('bad end tag');
      k++;
      continue;
    }
    names.push(name);
    if (stack.length === 0 && roots++ > 0) fail('second root');
    const seen = new Set<string>();
    for (;;) {
      ATTRIBUTE.lastIndex = k;
      const a = ATTRIBUTE.exec(xml);
      if (!a) break;
      if (seen.has(a[1] as string)) fail(`duplicate attribute ${a[1]}`);
      seen.add(a[1] as string);
      const value = a[2] as string;
      for (let i = value.indexOf('&'); i >= 0; i = value.indexOf('&', i + 1)) {
        ENTITY.lastIndex = i;
        if (!ENTITY.test(value)) fail('bare & in an attribute');
      }
      k = ATTRIBUTE.lastIndex;
    }
    if (xml.startsWith('/>', k)) k += 2;
    else if (xml[k] === '>') {
      stack.push(name);
      k++;
    } else fail('bad start tag');
  }
  if (stack.length > 0) fail(`unclosed <${stack.join('><')}>`);
  if (roots !== 1) fail('no root');
  return names;
}

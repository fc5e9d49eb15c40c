import { DataError } from '@cam-localize/core';
import { describe, expect, it } from 'vitest';
import { child, parseXml } from '../../src/datasets/xml.js';

const parse = (s: string) => parseXml(s, 'a.xml');

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseXml', () => {
  it('parses elements, attributes, text, comments, CDATA and the declaration', () => {
    const root = parse(
      `<?xml version="1.0" encoding="utf-8"?>\n<!-- c -->\n<annotation verified='yes'>\n  <name>a &amp; b &lt;&#65;&#x42;&gt; &quot;&apos;</name>\n  <x><![CDATA[<raw>]]></x>\n  <e/>\n</annotation>\n`,
    );
    expect(root.name).toBe('annotation');
    expect(root.attributes.verified).toBe('yes');
    expect(child(root, 'name')!.text).toBe('a & b <AB> "\'');
    expect(child(root, 'x')!.text).toBe('<raw>');
    expect(child(root, 'e')!.children).toEqual([]);
    expect(child(root, 'name')!.line).toBe(4);
  });
  it('refuses DOCTYPE and ENTITY declarations (billion laughs, external entities)', () => {
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n<annotation>&lol2;</annotation>`;
    const e = errorOf(() => parse(bomb));
    expect(e.message).toMatch(/DOCTYPE/);
    expect(e.line).toBe(2);
    expect(e.file).toBe('a.xml');
    const ext = `<!DOCTYPE a SYSTEM "file:///etc/passwd"><a>x</a>`;
    expect(errorOf(() => parse(ext)).message).toMatch(/DOCTYPE/);
  });
  it('refuses undeclared entities and bare ampersands', () => {
    expect(errorOf(() => parse('<a>&nbsp;</a>')).message).toMatch(/entity &nbsp;/);
    expect(errorOf(() => parse('<a>x & y</a>')).message).toMatch(/&/);
    expect(errorOf(() => parse('<a>&#0;</a>')).message).toMatch(/invalid character/);
  });
  it('reports truncation and mismatched tags with the line', () => {
    const truncated = '<annotation>\n  <object>\n    <name>cat</name>\n';
    const e = errorOf(() => parse(truncated));
    expect(e.message).toMatch(/not closed/);
    expect(errorOf(() => parse('<a>\n<b>\n</c>\n</a>')).line).toBe(3);
    expect(errorOf(() => parse('<a><b attr="x></b></a>')).message).toMatch(/'<' in the value|unterminated/);
    expect(errorOf(() => parse('<a><b')).message).toMatch(/truncated/);
    expect(errorOf(() => parse('')).message).toMatch(/no root/);
    expect(errorOf(() => parse('<a/><b/>')).message).toMatch(/second root/);
    expect(errorOf(() => parse('<a><!-- never closed')).message).toMatch(/comment/);
  });
  it('limits nesting depth', () => {
    const deep = '<a>'.repeat(1000) + '</a>'.repeat(1000);
    expect(errorOf(() => parse(deep)).message).toMatch(/deeper/);
  });
  it('does not let an attribute named __proto__ touch prototypes', () => {
    const root = parse('<a __proto__="x" b="1"/>');
    expect(root.attributes.b).toBe('1');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

/**
 * A small, safe XML parser for annotation files (PASCAL VOC, ILSVRC). It builds a tree of
 * elements with attributes and text, and:
 * - refuses any DOCTYPE (and so ENTITY) declaration: no entity expansion, no external entities;
 * - decodes only the five predefined entities (&lt; &gt; &amp; &quot; &apos;) and numeric
 *   character references; any other entity is an error;
 * - skips comments, processing instructions and the XML declaration; keeps CDATA as text;
 * - reports malformed input (truncation, mismatched tags, bad names) as a DataError with the
 *   file and 1-based line.
 *
 * `parseXml` (about 160 lines) stays one function, a parser kernel: one scanner loop whose
 * position, line and open-element stack every branch reads and moves.
 */
import { dataError } from './text.js';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
  /** 1-based line of the start tag. */
  line: number;
}

const MAX_DEPTH = 256;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

export function parseXml(src: string, file: string): XmlElement {
  let pos = 0;
  let line = 1;
  const n = src.length;

  const fail = (message: string, at: number = line): never => {
    throw dataError(file, at, `XML: ${message}`);
  };
  const advance = (to: number) => {
    for (let i = pos; i < to; i++) if (src.charCodeAt(i) === 10) line++;
    pos = to;
  };
  const expectEnd = (marker: string, what: string) => {
    const end = src.indexOf(marker, pos);
    if (end < 0) fail(`unterminated ${what} (file truncated?)`);
    return end;
  };
  const decode = (raw: string, at: number): string => {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]*);?/g, (whole, ent: string) => {
      if (!whole.endsWith(';')) fail(`bare '&' or unterminated entity ${JSON.stringify(whole)}`, at);
      switch (ent) {
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'amp':
          return '&';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
      }
      const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ent);
      if (m === null)
        return fail(`entity &${ent}; is not allowed (only the 5 predefined entities and &#...;)`, at);
      const code = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number.parseInt(m[2]!, 10);
      if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
        return fail(`invalid character reference &${ent};`, at);
      }
      return String.fromCodePoint(code);
    });
  };
  const readName = (): string => {
    if (pos >= n) return fail('unexpected end of file (truncated?)');
    NAME.lastIndex = pos;
    const m = NAME.exec(src);
    if (m === null) return fail(`expected a name at ${JSON.stringify(src.slice(pos, pos + 20))}`);
    advance(pos + m[0].length);
    return m[0];
  };
  const skipSpace = () => {
    let i = pos;
    while (i < n && /\s/.test(src[i]!)) i++;
    advance(i);
  };

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  while (pos < n) {
    const lt = src.indexOf('<', pos);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > pos) {
      const raw = src.slice(pos, textEnd);
      const at = line;
      if (stack.length === 0) {
        if (raw.trim() !== '') fail('text outside the root element');
      } else {
        stack[stack.length - 1]!.text += decode(raw, at);
      }
      advance(textEnd);
    }
    if (pos >= n) break;
    // pos is at '<'
    if (src.startsWith('<!--', pos)) {
      advance(expectEnd('-->', 'comment') + 3);
    } else if (src.startsWith('<![CDATA[', pos)) {
      const end = expectEnd(']]>', 'CDATA section');
      if (stack.length === 0) fail('CDATA outside the root element');
      stack[stack.length - 1]!.text += src.slice(pos + 9, end);
      advance(end + 3);
    } else if (src.startsWith('<?', pos)) {
      advance(expectEnd('?>', 'processing instruction') + 2);
    } else if (src.startsWith('<!', pos)) {
      const word = src.slice(pos + 2, pos + 9).toUpperCase();
      if (word.startsWith('DOCTYPE') || word.startsWith('ENTITY')) {
        fail('DOCTYPE/ENTITY declarations are refused (no entity expansion, no external entities)');
      }
      fail(`unsupported markup ${JSON.stringify(src.slice(pos, pos + 12))}`);
    } else if (src.startsWith('</', pos)) {
      const at = line;
      advance(pos + 2);
      const name = readName();
      skipSpace();
      if (pos >= n) fail(`unterminated closing tag </${name} (file truncated?)`);
      if (src[pos] !== '>') fail(`expected '>' after </${name}`);
      advance(pos + 1);
      const open = stack.pop();
      if (open === undefined) fail(`closing tag </${name}> without an open element`, at);
      if (open!.name !== name)
        fail(`closing tag </${name}> does not match <${open!.name}> (line ${open!.line})`, at);
    } else {
      const at = line;
      advance(pos + 1);
      const name = readName();
      const el: XmlElement = {
        name,
        attributes: Object.create(null) as Record<string, string>,
        children: [],
        text: '',
        line: at,
      };
      let selfClosing = false;
      for (;;) {
        skipSpace();
        if (pos >= n) fail(`unterminated start tag <${name} (file truncated?)`, at);
        if (src[pos] === '>') {
          advance(pos + 1);
          break;
        }
        if (src.startsWith('/>', pos)) {
          advance(pos + 2);
          selfClosing = true;
          break;
        }
        const attr = readName();
        skipSpace();
        if (src[pos] !== '=') fail(`expected '=' after attribute ${attr}`);
        advance(pos + 1);
        skipSpace();
        const q = src[pos];
        if (q !== '"' && q !== "'") fail(`attribute ${attr} value must be quoted`);
        const end = src.indexOf(q!, pos + 1);
        if (end < 0) fail(`unterminated attribute ${attr} (file truncated?)`);
        const raw = src.slice(pos + 1, end);
        if (raw.includes('<')) fail(`'<' in the value of attribute ${attr}`);
        if (Object.hasOwn(el.attributes, attr)) fail(`attribute ${attr} repeated`);
        el.attributes[attr] = decode(raw, line);
        advance(end + 1);
      }
      if (stack.length === 0) {
        if (root !== undefined) fail(`second root element <${name}>`, at);
        root = el;
      } else {
        stack[stack.length - 1]!.children.push(el);
      }
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`, at);
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1]!;
    fail(`element <${open.name}> (line ${open.line}) is not closed (file truncated?)`);
  }
  if (root === undefined) fail('no root element (empty file?)');
  return root!;
}

/** First child element with this name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** All child elements with this name. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

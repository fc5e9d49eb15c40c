/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escapes text for a Markdown table cell or line: pipes, backslashes, markup, newlines. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** Only data: images and plain relative paths may be an <img src>; anything else is dropped. */
export function safeImageSource(src: string): string | null {
  if (/^data:image\/(png|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(src)) return src;
  if (/^[\w./-]+$/.test(src) && !src.startsWith('/') && !src.includes('..')) return src;
  return null;
}

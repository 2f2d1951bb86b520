const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * Readable text from a piece of Markdown or HTML source text: tags and anchors removed, links and images
 * keep their text, emphasis and code markers dropped, backslash escapes and entities resolved. For text the
 * loaders already cleaned this changes nothing; it keeps an answer readable over an index built before that.
 */
export function plainText(markup: string): string {
  return markup
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\/?[A-Za-z][\w-]*(?:\s[^<>]*)?\/?>/g, '')
    .replace(/!\[([^\]]*)\]\([^)\s]*(?:\s"[^"]*")?\)/g, '$1')
    .replace(/\[((?:\[[^\]]*\]|[^\]])+)\]\([^)\s]*(?:\s"[^"]*")?\)/g, (_, label: string) => label.replace(/^\[(.*)\]$/, '$1'))
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*\s*([^*\n]*?)\s*\*\*/g, '$1')
    .replace(/__(?=\S)([^_\n]*?\S)__/g, '$1')
    .replace(/(^|[^\w*\\])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|[^\w\\])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([^~\n]*?\S)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>~"'=:;,?/&$%@^])/g, '$1')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name]!)
    .replace(/[ \t\u00a0]+/g, ' ')
    .trim();
}

// Underlines at the exact spans of findings, drawn without touching the editor's DOM: the CSS Custom Highlight API
// for contenteditable editors (the ::highlight styles are in highlights.css, the page's own stylesheet) and, for a
// textarea, a transparent mirror of its text laid exactly over it, in which only the underlines are visible.
'use strict';

ReplyGuard.SEVERITIES = ['error', 'warning', 'info'];

function isInside(rects, x, y) {
  const slack = 3; // the wavy line sits just under the text
  return Array.from(rects).some((r) => x >= r.left && x <= r.right && y >= r.top - slack && y <= r.bottom + slack);
}

/** Which ranges of which fields are underlined: the page has one highlight per severity, shared by every field. */
const highlightedFields = new Map();

function refreshHighlights() {
  for (const severity of ReplyGuard.SEVERITIES) {
    const ranges = [];
    for (const items of highlightedFields.values()) {
      for (const item of items) if (item.finding.severity === severity) ranges.push(item.range);
    }
    if (ranges.length) CSS.highlights.set(`replyguard-${severity}`, new Highlight(...ranges));
    else CSS.highlights.delete(`replyguard-${severity}`);
  }
}

ReplyGuard.HighlightUnderlines = class HighlightUnderlines {
  constructor(field) {
    this.field = field;
    this.items = [];
  }

  draw(findings) {
    const map = ReplyGuard.readEditable(this.field);
    this.items = findings
      .map((finding) => ({finding, range: ReplyGuard.rangeFor(map, finding.start, finding.end)}))
      .filter((item) => item.range);
    if (this.items.length || highlightedFields.has(this.field)) {
      if (this.items.length) highlightedFields.set(this.field, this.items);
      else highlightedFields.delete(this.field);
      refreshHighlights();
    }
  }

  findingAt(x, y) {
    const item = this.items.find((candidate) => isInside(candidate.range.getClientRects(), x, y));
    return item ? item.finding : null;
  }

  rectOf(finding) {
    const item = this.items.find((candidate) => candidate.finding === finding);
    return item ? item.range.getBoundingClientRect() : null;
  }

  place() {} // highlights follow the text by themselves

  dispose() {
    this.draw([]);
  }
};

const MIRRORED_STYLES = [
  'fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'fontVariant', 'fontStretch', 'fontKerning', 'letterSpacing',
  'wordSpacing', 'lineHeight', 'textTransform', 'textIndent', 'tabSize', 'direction', 'wordBreak', 'overflowWrap',
  'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft',
];

ReplyGuard.MirrorUnderlines = class MirrorUnderlines {
  constructor(field, layer) {
    this.field = field;
    this.mirror = document.createElement('div');
    this.mirror.className = 'mirror';
    this.mirror.setAttribute('aria-hidden', 'true');
    layer.append(this.mirror);
    this.spans = [];
    this.copyStyles();
  }

  copyStyles() {
    const style = getComputedStyle(this.field);
    for (const name of MIRRORED_STYLES) this.mirror.style[name] = style[name];
  }

  draw(findings) {
    const text = this.field.value;
    const layout = findings.map((f) => `${f.start}-${f.end}-${f.severity}`).join();
    if (this.tail && layout === this.layout && text.startsWith(this.head)) {
      // Typing after the last underline (the usual case) changes only the mirror's last text node.
      this.tail.data = text.slice(this.head.length) + '\u200b';
      this.place();
      return;
    }
    const parts = [];
    this.spans = [];
    let at = 0;
    for (const finding of findings) {
      if (finding.start < at || finding.end > text.length) continue;
      parts.push(text.slice(at, finding.start));
      const span = document.createElement('span');
      span.className = finding.severity;
      span.textContent = text.slice(finding.start, finding.end);
      parts.push(span);
      this.spans.push({finding, span});
      at = finding.end;
    }
    // A zero-width space keeps a final empty line as tall as it is in the textarea.
    this.tail = document.createTextNode(text.slice(at) + '\u200b');
    this.mirror.replaceChildren(...parts, this.tail);
    this.layout = layout;
    this.head = text.slice(0, at);
    this.place();
  }

  /** Lays the mirror over the textarea's content box and scrolls it with the textarea. */
  place() {
    const field = this.field;
    const box = field.getBoundingClientRect();
    const style = this.mirror.style;
    const visible = box.width > 0 && this.spans.length > 0;
    style.display = visible ? '' : 'none';
    if (!visible) return;
    style.left = `${box.left + field.clientLeft}px`;
    style.top = `${box.top + field.clientTop}px`;
    style.width = `${field.clientWidth}px`;
    style.height = `${field.clientHeight}px`;
    this.mirror.scrollTop = field.scrollTop;
    this.mirror.scrollLeft = field.scrollLeft;
  }

  findingAt(x, y) {
    const box = this.mirror.getBoundingClientRect();
    if (x < box.left || x > box.right || y < box.top || y > box.bottom) return null;
    const item = this.spans.find((candidate) => isInside(candidate.span.getClientRects(), x, y));
    return item ? item.finding : null;
  }

  rectOf(finding) {
    const item = this.spans.find((candidate) => candidate.finding === finding);
    return item ? item.span.getBoundingClientRect() : null;
  }

  dispose() {
    this.mirror.remove();
  }
};

// The text of an editable element and the way back from text offsets to DOM positions. The API's offsets are UTF-16
// code units, which is what JavaScript string indices count, so a finding's start and end index this text directly.
'use strict';

self.ReplyGuard = {adapters: []};

ReplyGuard.BLOCK_TAGS = new Set(['P', 'DIV', 'LI', 'BLOCKQUOTE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE']);

/**
 * The text of a contenteditable as the reader sees it: text nodes in order, a line break for each <br> and between
 * blocks (Lexical writes one <p> per paragraph). `pieces` remembers where each text node starts, to map offsets back.
 */
ReplyGuard.readEditable = function readEditable(root) {
  let text = '';
  const pieces = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.TEXT_NODE) {
      pieces.push({node, start: text.length});
      text += node.data;
    } else if (node.tagName === 'BR') {
      text += '\n';
    } else if (ReplyGuard.BLOCK_TAGS.has(node.tagName) && text && !text.endsWith('\n')) {
      text += '\n';
    }
  }
  return {text, pieces};
};

/** A DOM Range over text offsets [start, end) of a readEditable result, or null if they fall outside it. */
ReplyGuard.rangeFor = function rangeFor(map, start, end) {
  const from = ReplyGuard.positionAt(map, start, false);
  const to = ReplyGuard.positionAt(map, end, true);
  if (!from || !to) return null;
  const range = document.createRange();
  range.setStart(from.node, from.offset);
  range.setEnd(to.node, to.offset);
  return range;
};

/**
 * The text node and offset at a text offset. A start belongs to the node holding the next character, an end to the
 * node holding the previous one; an offset on a line break between nodes goes to the nearest node edge.
 */
ReplyGuard.positionAt = function positionAt(map, offset, isEnd) {
  let before = null;
  for (const piece of map.pieces) {
    const pieceEnd = piece.start + piece.node.data.length;
    const inside = isEnd ? piece.start < offset && offset <= pieceEnd : piece.start <= offset && offset < pieceEnd;
    if (inside) return {node: piece.node, offset: offset - piece.start};
    if (piece.start >= offset && !isEnd) return {node: piece.node, offset: 0};
    if (pieceEnd <= offset) before = {node: piece.node, offset: piece.node.data.length};
  }
  return before;
};

/** The text offset of a DOM position (node, offset) inside the root of a readEditable result. */
ReplyGuard.offsetOf = function offsetOf(map, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const piece = map.pieces.find((candidate) => candidate.node === node);
    if (piece) return piece.start + Math.min(offset, node.data.length);
  }
  const point = document.createRange();
  point.setStart(node, offset);
  let at = 0;
  for (const piece of map.pieces) {
    if (point.comparePoint(piece.node, 0) >= 0) break; // this text starts at or after the position
    at = piece.start + piece.node.data.length;
  }
  return at;
};

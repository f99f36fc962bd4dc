// Any textarea or contenteditable editor: how to find the field, and how to change its text through the editor's own
// input path (execCommand('insertText') fires the beforeinput/input events editors such as Lexical and React rely on,
// and keeps the browser's undo history).
'use strict';

ReplyGuard.genericAdapter = {
  platform: 'other',
  site: null,

  matchesPage() {
    return true;
  },

  /** The editable element a focused node belongs to, if ReplyGuard should check it. */
  fieldFor(target) {
    const field = this.editableRoot(target);
    return field && this.isCheckable(field) ? field : null;
  },

  editableRoot(target) {
    if (!(target instanceof HTMLElement)) return null;
    if (target.tagName === 'TEXTAREA') return target;
    if (!target.isContentEditable) return null;
    let root = target;
    while (root.parentElement && root.parentElement.isContentEditable) root = root.parentElement;
    return root;
  },

  /** Disabled and read-only fields and fields that opt out (as they do for Grammarly) are left alone. */
  isCheckable(field) {
    if (field.closest('[data-enable-grammarly="false"]')) return false;
    if (field.tagName === 'TEXTAREA') return !field.disabled && !field.readOnly;
    return field.isContentEditable && field.getAttribute('aria-disabled') !== 'true'
      && field.getAttribute('aria-readonly') !== 'true';
  },

  contextFor() {
    return {};
  },

  /** What the reply answers, and whether it answers a comment that couldn't be read (the card then says so). */
  readThread(field) {
    return {context: this.contextFor(field), unread: false};
  },

  /** Whether a trusted event is the person posting the reply in this field (the generic adapter can't know). */
  isPostAttempt() {
    return false;
  },

  post() {},

  /** A trusted click that deletes or hides a comment: {action: 'delete' | 'hide', item, text}, or null. */
  removalFor() {
    return null;
  },

  /** Replaces text offsets [start, end) with `text`, as if the person had typed it. */
  replace(field, start, end, text) {
    field.focus();
    if (field.tagName === 'TEXTAREA') {
      field.setSelectionRange(start, end);
      if (!document.execCommand('insertText', false, text)) {
        field.setRangeText(text, start, end, 'end');
        field.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertReplacementText', data: text}));
      }
      return;
    }
    const range = ReplyGuard.rangeFor(ReplyGuard.readEditable(field), start, end);
    if (!range) return;
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand('insertText', false, text);
  },

  /**
   * Puts `text` in place of everything in the field. A contenteditable gets it as a paste of plain text, which
   * editors such as Lexical turn into their own paragraphs and line breaks (insertText can't carry line breaks
   * there); an editor that ignores the paste gets it typed in.
   */
  async replaceAll(field, text) {
    if (field.tagName === 'TEXTAREA') {
      this.replace(field, 0, field.value.length, text);
      return;
    }
    field.focus();
    // Lexical takes the selection over on 'selectionchange', which fires after this task: a paste sent at once would
    // land at the old caret, after the draft. (No event comes when everything was selected already.)
    const selected = new Promise((resolve) => {
      document.addEventListener('selectionchange', resolve, {once: true});
      setTimeout(resolve, 100);
    });
    getSelection().selectAllChildren(field);
    await selected;
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', text);
    const paste = new ClipboardEvent('paste', {clipboardData, bubbles: true, cancelable: true});
    if (field.dispatchEvent(paste)) document.execCommand('insertText', false, text);
  },
};
ReplyGuard.adapters.push(ReplyGuard.genericAdapter);

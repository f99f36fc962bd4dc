// facebook.com and Meta Business Suite: comment and reply boxes are Lexical editors (contenteditable, role=textbox).
// A reply box sits in the thread of the comment it answers; the page's own replies carry the page's name; Enter posts.
// A comment's "…" button (aria-haspopup="menu") opens a popup menu whose items delete or hide it.
'use strict';

ReplyGuard.facebookAdapter = {
  ...ReplyGuard.genericAdapter,
  platform: 'facebook',
  site: 'facebook',
  REMOVAL_LABELS: {delete: ['Delete', 'Slet'], hide: ['Hide comment', 'Skjul kommentar']},

  matchesPage(location) {
    return location.hostname === 'www.facebook.com' || location.hostname === 'business.facebook.com';
  },

  fieldFor(target) {
    const field = ReplyGuard.genericAdapter.fieldFor(target);
    return field && field.getAttribute('role') === 'textbox' ? field : null;
  },

  /** The comment being answered (the first comment of the box's thread), the page's replies in it and its time. */
  contextFor(field) {
    const post = field.closest('[role="article"]');
    let thread = field.parentElement;
    while (thread && thread !== post && !this.comments(thread, field).length) thread = thread.parentElement;
    if (!thread || thread === post) return {};
    const [complaint, ...replies] = this.comments(thread, field);
    const pageName = post ? this.authorOf(post) : null;
    const context = {
      complaint: this.textOf(complaint),
      staff_replies_in_thread: replies.filter((reply) => pageName && this.authorOf(reply) === pageName).length,
    };
    const postedAt = this.postedAt(complaint);
    if (postedAt) context.complaint_posted_at = postedAt;
    return context;
  },

  comments(container, field) {
    return Array.from(container.querySelectorAll('[role="article"]')).filter((article) => !article.contains(field));
  },

  authorOf(article) {
    const link = Array.from(article.querySelectorAll('a')).find((a) => a.textContent.trim());
    return link ? link.textContent.trim() : null;
  },

  textOf(article) {
    const text = article.querySelector('[dir="auto"]');
    return text ? text.textContent.trim().slice(0, 10000) : undefined;
  },

  postedAt(article) {
    const stamp = article.querySelector('abbr[data-utime], time[datetime]');
    if (!stamp) return null;
    const date = stamp.dataset.utime ? new Date(Number(stamp.dataset.utime) * 1000) : new Date(stamp.dateTime);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  },

  isPostAttempt(event, field) {
    return event.type === 'keydown' && event.key === 'Enter' && !event.shiftKey && !event.ctrlKey && !event.altKey
      && !event.metaKey && !event.isComposing && field.contains(event.target);
  },

  /** The menu is a popup at the end of the page: its comment is the one whose "…" button is expanded. */
  removalFor(event) {
    const item = event.target instanceof Element ? event.target.closest('[role="menuitem"]') : null;
    if (!item) return null;
    const label = item.textContent.trim();
    const action = Object.keys(this.REMOVAL_LABELS).find((key) => this.REMOVAL_LABELS[key].includes(label));
    const opener = document.querySelector('[aria-haspopup="menu"][aria-expanded="true"]');
    const comment = opener && opener.closest('[role="article"]');
    if (!action || !comment) return null;
    return {action, item, text: this.textOf(comment)};
  },

  /** Posts as the person's own Enter would: Lexical handles the key, the page posts the comment. */
  post(field) {
    field.focus();
    field.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true}));
  },
};
ReplyGuard.adapters.unshift(ReplyGuard.facebookAdapter);

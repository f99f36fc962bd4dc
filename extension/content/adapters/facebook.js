// facebook.com and Meta Business Suite: comment and reply boxes are Lexical editors (contenteditable, role=textbox).
// A reply box sits in the thread of the comment it answers, beside that comment's article or inside it (readThread);
// the page's own replies carry the page's name; Enter posts.
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

  /**
   * What a reply in `field` answers, read from the thread around it: {context, unread}. `context` goes to the API
   * with the draft; `unread` is true when the box is a reply box but the comment it answers couldn't be read, so the
   * card can say the check went out without it.
   *
   * Facebook's markup changes often and can't be checked from here, so this depends on no one nesting. All it takes
   * from the page: comments are role="article" elements inside the post's (the outermost article around the box); a
   * comment's author is its first link with text, its text its first dir="auto" element, its time its first
   * timestamp, each its own (not in an article nested in it, i.e. a reply) and, for a comment around the box, before
   * the box (never the box's own placeholder or a draft).
   *
   * The comment being answered is the one the box hangs under, the comment whose "Reply" opened it:
   * - the innermost comment whose own article holds the box, when the box sits inside the comment it answers (with
   *   or without the comment's replies beside it). Nested in a reply of a reply, the box answers that reply: the
   *   person staff are writing back to, whose words the classifier and the rules must see, not the thread's first
   *   comment. An article holding the box with no author or text of its own is only a wrapper and is passed over.
   * - otherwise the first comment of the nearest container around the box that starts with a comment before it: the
   *   comment, its replies and the box side by side, as facebook.com lays out a thread today. There the box at the
   *   end of a thread answers the thread's first comment, as Facebook's own reply box does.
   * The thread is the whole conversation that comment belongs to: the outermost comment around the box with all its
   * replies at any depth, or the container the box shares with the comment. staff_replies_in_thread counts the
   * replies in it (at any depth, whichever comment they answer) written by the page, the post's author;
   * complaint_posted_at is the answered comment's.
   *
   * A box in no thread, neither inside a comment nor after one in a container below the post, is a comment box on
   * the post itself: there is nothing to answer, so no context and no notice; unless the page names the box a reply
   * box ("Reply …", "Svar …"), when the thread is somewhere this can't see and the card says so. A box under a
   * comment with no text that can be read (a sticker or a photo, or text in markup this doesn't know) is checked
   * with the rest of its context, without the complaint, and the card says so too.
   */
  readThread(field) {
    const around = [];
    for (let article = field.closest('[role="article"]'); article;
      article = article.parentElement && article.parentElement.closest('[role="article"]')) around.push(article);
    const post = around.pop() || null;  // innermost first; what is left are the comments the box is inside
    let answered = around.find((article) => this.authorOf(article, field) || this.textOf(article, field));
    let thread = answered ? around[around.length - 1] : null;
    for (let node = field.parentElement; !answered && node && node !== post; node = node.parentElement) {
      const [first] = this.comments(node, field);
      if (first && this.precedes(first, field)) [answered, thread] = [first, node];
    }
    if (!answered) return {context: {}, unread: this.isReplyBox(field)};

    const pageName = post ? this.authorOf(post) : null;
    const [, ...replies] = [thread, ...thread.querySelectorAll('[role="article"]')]
      .filter((element) => element.getAttribute('role') === 'article');  // the thread's first comment, its replies
    const context = {
      staff_replies_in_thread: pageName ? replies.filter((reply) => this.authorOf(reply) === pageName).length : 0,
    };
    const complaint = this.textOf(answered, field);
    if (complaint) context.complaint = complaint;
    const postedAt = this.postedAt(answered, field);
    if (postedAt) context.complaint_posted_at = postedAt;
    return {context, unread: !complaint};
  },

  /** The comments in `container` that aren't around the box, in the page's order. */
  comments(container, field) {
    return Array.from(container.querySelectorAll('[role="article"]')).filter((article) => !article.contains(field));
  },

  precedes(element, other) {
    return !element.contains(other)
      && Boolean(element.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING);
  },

  /**
   * The first element matching `selector` that is the article's own: not in an article nested in it (a reply) and,
   * given the reply box, before it (a comment's own words come before the box that answers it).
   */
  ownElement(article, selector, field, test = () => true) {
    return Array.from(article.querySelectorAll(selector)).find((element) =>
      element.closest('[role="article"]') === article && (!field || this.precedes(element, field)) && test(element));
  },

  authorOf(article, field) {
    const link = this.ownElement(article, 'a', field, (a) => a.textContent.trim());
    return link ? link.textContent.trim() : null;
  },

  textOf(article, field) {
    const text = this.ownElement(article, '[dir="auto"]', field,
      (element) => element.textContent.trim() && !article.contains(element.closest('a')));  // a name isn't the text
    return text ? text.textContent.trim().slice(0, 10000) : undefined;
  },

  postedAt(article, field) {
    const stamp = this.ownElement(article, 'abbr[data-utime], time[datetime]', field);
    if (!stamp) return null;
    const date = stamp.dataset.utime ? new Date(Number(stamp.dataset.utime) * 1000) : new Date(stamp.dateTime);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  },

  /** Whether the page calls the box a reply box, ("Reply to …", "Write a reply…", "Svar …"). */
  isReplyBox(field) {
    const names = ['aria-label', 'aria-placeholder', 'placeholder'].map((name) => field.getAttribute(name) || '');
    return names.some((name) => /\b(reply|svar)/i.test(name));
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

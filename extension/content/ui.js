// Everything ReplyGuard shows (badge, card, confirm, textarea mirrors) lives in one shadow root, so the page's styles
// can't reach it and it can't disturb the page. Text from the server is only ever set with textContent.
'use strict';

ReplyGuard.STRINGS = {
  en: {
    clean: 'ReplyGuard: no problems found',
    count: (n) => `ReplyGuard: ${n} ${n === 1 ? 'thing' : 'things'} to look at`,
    offline: 'Checker offline',
    offlineDetail: (seconds) => `ReplyGuard can't reach the checker. Trying again in ${seconds} s. You can keep typing.`,
    retryNow: 'Try again now',
    problem: 'The checker could not check this reply:',
    refused: 'ReplyGuard could not check this reply',
    threadUnread: "Couldn't read the comment you're answering, so this check doesn't take it into account.",
    wholeReply: 'Whole reply',
    replace: 'Replace with',
    add: 'Add',
    readMore: 'Why? Read the playbook',
    postQuestion: 'Post anyway?',
    postAnyway: 'Post anyway',
    keepEditing: 'Keep editing',
    severity: {error: 'Error', warning: 'Warning', info: 'Tip'},
    templates: 'Insert a template',
    templatesTitle: 'Approved templates',
    templatesLoading: 'Loading the templates…',
    templatesUnavailable: 'ReplyGuard could not load the templates.',
    insert: 'Insert',
    replaceDraft: 'Replace your draft with',
    removeQuestion: {delete: 'Delete this comment?', hide: 'Hide this comment?'},
    removeNotHateful: 'Deleting complaints makes things worse: the writer and everyone watching see it as dodging, '
      + 'and the anger moves where you can no longer answer it. Only hateful comments may go, and this one does not '
      + 'read as hateful. Answer it instead.',
    removeHateful: 'This comment reads as hateful (threats, hateful words or personal attacks), so deleting or hiding '
      + 'it is acceptable. Say calmly in the thread why it went.',
    removeUnclassified: 'ReplyGuard could not check this comment. Remember: deleting complaints makes things worse; '
      + 'only hateful comments may go.',
    removeAnyway: {delete: 'Delete anyway', hide: 'Hide anyway'},
    remove: {delete: 'Delete', hide: 'Hide'},
    cancel: 'Cancel',
  },
  da: {
    clean: 'ReplyGuard: ingen problemer fundet',
    count: (n) => `ReplyGuard: ${n} ting at se på`,
    offline: 'Tjekket er offline',
    offlineDetail: (seconds) => `ReplyGuard kan ikke nå tjekket. Prøver igen om ${seconds} s. Du kan bare skrive videre.`,
    retryNow: 'Prøv igen nu',
    problem: 'Tjekket kunne ikke tjekke svaret:',
    refused: 'ReplyGuard kunne ikke tjekke svaret',
    threadUnread: 'Kunne ikke læse den kommentar, du svarer på, så tjekket tager ikke højde for den.',
    wholeReply: 'Hele svaret',
    replace: 'Erstat med',
    add: 'Tilføj',
    readMore: 'Hvorfor? Læs playbogen',
    postQuestion: 'Vil du sende alligevel?',
    postAnyway: 'Send alligevel',
    keepEditing: 'Ret svaret',
    severity: {error: 'Fejl', warning: 'Advarsel', info: 'Tip'},
    templates: 'Indsæt en skabelon',
    templatesTitle: 'Godkendte skabeloner',
    templatesLoading: 'Henter skabelonerne…',
    templatesUnavailable: 'ReplyGuard kunne ikke hente skabelonerne.',
    insert: 'Indsæt',
    replaceDraft: 'Erstat dit udkast med',
    removeQuestion: {delete: 'Vil du slette kommentaren?', hide: 'Vil du skjule kommentaren?'},
    removeNotHateful: 'At slette klager gør det værre: skribenten og alle, der følger med, ser det som at dukke sig, '
      + 'og vreden flytter et sted hen, hvor I ikke længere kan svare. Kun hadefulde kommentarer må fjernes, og denne '
      + 'virker ikke hadefuld. Svar på den i stedet.',
    removeHateful: 'Kommentaren virker hadefuld (trusler, hadefulde ord eller personangreb), så det er i orden at '
      + 'slette eller skjule den. Skriv roligt i tråden, hvorfor den er væk.',
    removeUnclassified: 'ReplyGuard kunne ikke vurdere kommentaren. Husk: at slette klager gør det værre; kun '
      + 'hadefulde kommentarer må fjernes.',
    removeAnyway: {delete: 'Slet alligevel', hide: 'Skjul alligevel'},
    remove: {delete: 'Slet', hide: 'Skjul'},
    cancel: 'Annuller',
  },
};

const UI_STYLES = `
:host { all: initial; }
.badge { position: fixed; z-index: 1; min-width: 20px; height: 20px; padding: 0 5px; box-sizing: border-box;
  border: 0; border-radius: 10px; font: 600 12px/20px system-ui, sans-serif; color: #fff; text-align: center;
  cursor: pointer; box-shadow: 0 1px 3px rgba(0, 0, 0, .3); }
.badge[hidden], .card[hidden], .confirm[hidden] { display: none; }
.badge.error { background: #d93025; }
.badge.warning { background: #e37400; }
.badge.info { background: #1a73e8; }
.badge.offline { background: #9aa0a6; }
.badge.clean { background: transparent; box-shadow: none; color: #188038; opacity: .7; font-size: 14px; }
.badge.templates { background: #fff; color: #1a73e8; border: 1px solid #dadce0; line-height: 18px; }
.heading { font-weight: 600; margin-bottom: 4px; }
.situation { display: block; font-size: 12px; color: #5f6368; }
.mirror { position: fixed; overflow: hidden; margin: 0; border: 0; box-sizing: border-box; color: transparent;
  white-space: pre-wrap; pointer-events: none; }
.mirror span { text-decoration: underline wavy 2px; text-decoration-skip-ink: none; text-underline-offset: 3px; }
.mirror .error { text-decoration-color: #d93025; }
.mirror .warning { text-decoration-color: #e37400; }
.mirror .info { text-decoration-color: #1a73e8; text-decoration-style: dotted; }
.card, .confirm { position: fixed; z-index: 2; width: 340px; max-height: 60vh; overflow: auto; box-sizing: border-box;
  padding: 12px 14px; border-radius: 8px; background: #fff; color: #202124; font: 14px/1.4 system-ui, sans-serif;
  box-shadow: 0 4px 16px rgba(0, 0, 0, .25); }
.item + .item { margin-top: 10px; padding-top: 10px; border-top: 1px solid #e8eaed; }
.severity { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
.severity.error { color: #d93025; } .severity.warning { color: #e37400; } .severity.info { color: #1a73e8; }
.quote { color: #5f6368; font-style: italic; margin: 2px 0; }
.message { margin: 4px 0; }
.notice { margin: 0 0 8px; padding: 6px 8px; border-radius: 6px; background: #fef7e0; color: #5f6368; font-size: 13px; }
.suggestion, .action { display: block; width: 100%; margin: 6px 0 0; padding: 6px 8px; text-align: left;
  border: 1px solid #dadce0; border-radius: 6px; background: #f8f9fa; color: #202124; font: inherit; cursor: pointer; }
.suggestion:hover, .action:hover { background: #e8f0fe; border-color: #1a73e8; }
.suggestion .label { display: block; font-size: 12px; color: #5f6368; }
a { display: inline-block; margin-top: 6px; color: #1a73e8; }
.buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 10px; }
.buttons button { padding: 6px 12px; border-radius: 6px; border: 1px solid #dadce0; background: #fff; font: inherit;
  cursor: pointer; }
.buttons .post { background: #d93025; border-color: #d93025; color: #fff; }
`;

ReplyGuard.ui = {
  /** The shadow root everything is drawn in, made on first use. */
  root() {
    if (!this.shadow) {
      const host = document.createElement('replyguard-ui');
      host.style.cssText = 'all: initial; position: fixed; top: 0; left: 0; width: 0; height: 0; z-index: 2147483647;';
      this.shadow = host.attachShadow({mode: 'open'});
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(UI_STYLES);
      this.shadow.adoptedStyleSheets = [sheet];
      document.documentElement.append(host);
    }
    return this.shadow;
  },

  element(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  },

  /** Puts a floating box under (or, without room, over) a rectangle, inside the window. */
  /**
   * Puts the box next to `rect`, below it or, when there is more room there, above it, and never over it: over the
   * badge or the underlined words it would hide what the person is writing. A box taller than its room scrolls.
   */
  placeNear(box, rect) {
    const gap = 6;
    const margin = 8;
    const roomBelow = innerHeight - rect.bottom - gap - margin;
    const roomAbove = rect.top - gap - margin;
    const below = box.scrollHeight <= roomBelow || roomBelow >= roomAbove;
    // A field that fills the window leaves no room on either side: then the card keeps a usable height and overlaps.
    box.style.maxHeight = `${Math.min(Math.max(below ? roomBelow : roomAbove, 160), innerHeight * 0.6)}px`;
    const height = box.offsetHeight;
    box.style.left = `${Math.max(margin, Math.min(rect.left, innerWidth - box.offsetWidth - margin))}px`;
    box.style.top = `${below ? Math.min(rect.bottom + gap, innerHeight - margin - height)
      : Math.max(margin, rect.top - gap - height)}px`;
  },

  /** The smallest rectangle holding all the given ones. */
  around(...rects) {
    const left = Math.min(...rects.map((r) => r.left));
    const top = Math.min(...rects.map((r) => r.top));
    return new DOMRect(left, top, Math.max(...rects.map((r) => r.right)) - left,
      Math.max(...rects.map((r) => r.bottom)) - top);
  },

  /** A playbook link, only for http(s) addresses. */
  link(url, text) {
    const anchor = this.element('a', '', text);
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
      anchor.href = parsed.href;
    } catch {
      return null;
    }
    anchor.target = '_blank';
    anchor.rel = 'noopener noreferrer';
    return anchor;
  },
};

/** The small round badge in a field's bottom-right corner: count and colour of the worst severity, or a tick. */
ReplyGuard.Badge = class Badge {
  constructor(field, onOpen) {
    this.field = field;
    this.button = ReplyGuard.ui.element('button', 'badge');
    this.button.type = 'button';
    this.button.hidden = true;
    // mousedown would move the focus out of the editor; the card opens on click instead.
    this.button.addEventListener('mousedown', (event) => event.preventDefault());
    this.button.addEventListener('click', () => onOpen(this.button.getBoundingClientRect()));
    ReplyGuard.ui.root().append(this.button);
  }

  /** An empty field shows the badge only while it has the focus, as the way to its templates. */
  show(state, findings, strings, focused) {
    const button = this.button;
    button.hidden = state === 'empty' && !focused;
    if (state === 'empty') {
      button.className = 'badge templates';
      button.textContent = '+';
      button.title = strings.templates;
    } else if (state === 'offline' || state === 'problem') {
      button.className = 'badge offline';
      button.textContent = '!';
      button.title = state === 'offline' ? strings.offline : strings.refused;
    } else if (!findings.length) {
      button.className = 'badge clean';
      button.textContent = '\u2713';
      button.title = strings.clean;
    } else {
      const worst = ReplyGuard.SEVERITIES.find((severity) => findings.some((f) => f.severity === severity));
      button.className = `badge ${worst}`;
      button.textContent = String(findings.length);
      button.title = strings.count(findings.length);
    }
    button.setAttribute('aria-label', button.title);
    this.place();
  }

  place() {
    if (this.button.hidden) return;
    const box = this.field.getBoundingClientRect();
    this.button.style.visibility = box.width ? '' : 'hidden';
    this.button.style.left = `${box.right - this.button.offsetWidth - 6}px`;
    this.button.style.top = `${box.bottom - this.button.offsetHeight - 6}px`;
  }

  dispose() {
    this.button.remove();
  }
};

/** The card with findings: their messages, one-click suggestions and a link to the playbook page. */
ReplyGuard.card = {
  box: null,
  owner: null,
  finding: null,
  hideTimer: null,

  /** Opens the card by `rect` with `content`; `finding` is the underlined finding it is about, if any. */
  show(owner, rect, content, finding = null) {
    const ui = ReplyGuard.ui;
    if (!this.box) {
      this.box = ui.element('div', 'card');
      this.box.setAttribute('role', 'dialog');
      this.box.addEventListener('mousedown', (event) => {
        if (event.target.tagName !== 'A') event.preventDefault(); // keep the focus (and caret) in the editor
      });
      this.box.addEventListener('mouseenter', () => clearTimeout(this.hideTimer));
      this.box.addEventListener('mouseleave', () => this.hideSoon());
      ui.root().append(this.box);
      addEventListener('keydown', (event) => { if (event.key === 'Escape') this.hide(); }, true);
      addEventListener('mousedown', (event) => {
        if (!event.composedPath().includes(this.box)) this.hide();
      }, true);
    }
    clearTimeout(this.hideTimer);
    this.owner = owner;
    this.finding = finding;
    this.box.replaceChildren(...content);
    this.box.hidden = false;
    ui.placeNear(this.box, rect);
  },

  /** A finding as the card shows it; `onApply(suggestion)` applies one. */
  findingItem(finding, strings, quote, onApply) {
    const ui = ReplyGuard.ui;
    const item = ui.element('div', 'item');
    item.append(ui.element('div', `severity ${finding.severity}`,
      `${strings.severity[finding.severity] || finding.severity}${quote === null ? ` · ${strings.wholeReply}` : ''}`));
    if (quote) item.append(ui.element('div', 'quote', `“${quote}”`));
    item.append(ui.element('div', 'message', finding.message));
    for (const suggestion of finding.suggestions) {
      const button = ui.element('button', 'suggestion');
      button.type = 'button';
      const label = finding.insert === 'replace' ? strings.replaceDraft : quote === null ? strings.add : strings.replace;
      button.append(ui.element('span', 'label', label), suggestion);
      button.addEventListener('click', () => onApply(suggestion));
      item.append(button);
    }
    const link = ui.link(finding.url, strings.readMore);
    if (link) item.append(link);
    return item;
  },

  hideSoon() {
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => this.hide(), 300);
  },

  hide() {
    clearTimeout(this.hideTimer);
    if (this.box) this.box.hidden = true;
    this.owner = null;
    this.finding = null;
  },

  isOpenFor(owner) {
    return this.box !== null && !this.box.hidden && this.owner === owner;
  },
};

/** Asks before a reply with an error-level finding is posted. Resolves true to post, false to keep editing. */
ReplyGuard.confirmPost = function confirmPost(rect, message, strings) {
  return ReplyGuard.ask(rect, message, strings.postQuestion, strings.keepEditing, strings.postAnyway);
};

/** A small dialog with a message, a question, a button to stay and one to go ahead; resolves true to go ahead. */
ReplyGuard.ask = function ask(rect, message, question, stayLabel, goLabel) {
  const ui = ReplyGuard.ui;
  const box = ui.element('div', 'confirm');
  box.setAttribute('role', 'alertdialog');
  box.append(ui.element('div', 'message', message), ui.element('strong', '', question));
  const keep = ui.element('button', 'keep', stayLabel);
  const post = ui.element('button', 'post', goLabel);
  const buttons = ui.element('div', 'buttons');
  buttons.append(keep, post);
  box.append(buttons);
  ReplyGuard.card.hide();
  ui.root().append(box);
  ui.placeNear(box, rect);
  keep.focus();
  return new Promise((resolve) => {
    const answer = (goAhead) => {
      box.remove();
      resolve(goAhead);
    };
    keep.addEventListener('click', () => answer(false));
    post.addEventListener('click', () => answer(true));
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') answer(false);
    });
  });
};

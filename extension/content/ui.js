// Everything ReplyGuard shows (badge, card, confirm, textarea mirrors) lives in one shadow root, so the page's styles
// can't reach it and it can't disturb the page. Text from the server is only ever set with textContent.
'use strict';

ReplyGuard.STRINGS = {
  en: {
    clean: 'ReplyGuard: no problems found',
    count: (n) => `ReplyGuard: ${n} ${n === 1 ? 'thing' : 'things'} to look at`,
    // The badge's accessible name and what a screen reader hears when a check finishes: the count and the worst.
    countWorst: (n, worst) => (n === 1 ? `ReplyGuard: 1 thing to look at, ${worst}`
      : `ReplyGuard: ${n} things to look at, the worst is ${worst}`),
    worst: {error: 'an error', warning: 'a warning', info: 'a tip'},
    shortcutHint: (keys) => `Open with ${keys}`,
    cardLabel: 'ReplyGuard',
    keysHint: '↑ ↓ between findings · Tab to the buttons · Esc back to your reply',
    offline: 'Checker offline',
    offlineDetail: (seconds) => `ReplyGuard can't reach the checker. Trying again in ${seconds} s. You can keep typing.`,
    retryNow: 'Try again now',
    problem: "This reply wasn't checked. The API answered:",
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
    countWorst: (n, worst) => (n === 1 ? `ReplyGuard: 1 ting at se på, ${worst}`
      : `ReplyGuard: ${n} ting at se på, den alvorligste er ${worst}`),
    worst: {error: 'en fejl', warning: 'en advarsel', info: 'et tip'},
    shortcutHint: (keys) => `Åbn med ${keys}`,
    cardLabel: 'ReplyGuard',
    keysHint: '↑ ↓ mellem fundene · Tab til knapperne · Esc tilbage til dit svar',
    offline: 'ReplyGuard er offline',
    offlineDetail: (seconds) => `ReplyGuard kan ikke få forbindelse til API'et. Prøver igen om ${seconds} s. Du kan bare skrive videre.`,
    retryNow: 'Prøv igen nu',
    problem: "Svaret blev ikke tjekket. API'et svarede:",
    refused: 'ReplyGuard kunne ikke tjekke svaret',
    threadUnread: 'Kunne ikke læse den kommentar, du svarer på, så tjekket tager ikke højde for den.',
    wholeReply: 'Hele svaret',
    replace: 'Erstat med',
    add: 'Tilføj',
    readMore: 'Hvorfor? Læs håndbogen',
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
    removeNotHateful: 'At slette klager gør det værre: skribenten og alle, der følger med, ser det som et forsøg på at skjule kritikken, '
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

// Colours pass WCAG AA on white (4.5:1 for text); severity is also told apart without colour: the badge's shape (an
// error's is square), the underline's style (wavy, dashed, dotted) and the card's words. In forced colours (Windows
// high contrast) everything keeps a border and the underlines use system colours.
const UI_STYLES = `
:host { all: initial; }
.badge { position: fixed; z-index: 1; min-width: 20px; height: 20px; padding: 0 5px; box-sizing: border-box;
  border: 1px solid transparent; border-radius: 10px; font: 600 12px/18px system-ui, sans-serif; color: #fff;
  text-align: center; cursor: pointer; box-shadow: 0 1px 3px rgba(0, 0, 0, .3); }
.badge[hidden], .card[hidden], .confirm[hidden], .keys[hidden] { display: none; }
.badge.error { background: #c5221f; border-radius: 3px; }
.badge.warning { background: #b45309; }
.badge.info { background: #1967d2; border-style: dotted; border-color: #fff; }
.badge.offline { background: #5f6368; }
.badge.clean { background: #fff; box-shadow: none; color: #137333; font-size: 14px; }
.badge.templates { background: #fff; color: #1967d2; border-color: #dadce0; }
.badge:focus-visible, .card:focus-visible, .item:focus-visible, button:focus-visible, a:focus-visible {
  outline: 2px solid #1967d2; outline-offset: 2px; }
.heading { font-weight: 600; margin-bottom: 4px; }
.situation { display: block; font-size: 12px; color: #5f6368; }
.mirror { position: fixed; overflow: hidden; margin: 0; border: 0; box-sizing: border-box; color: transparent;
  white-space: pre-wrap; pointer-events: none; forced-color-adjust: none; }
.mirror span { text-decoration-line: underline; text-decoration-thickness: 2px; text-decoration-skip-ink: none;
  text-underline-offset: 3px; }
.mirror .error { text-decoration-style: wavy; text-decoration-color: #c5221f; }
.mirror .warning { text-decoration-style: dashed; text-decoration-color: #b45309; }
.mirror .info { text-decoration-style: dotted; text-decoration-color: #1967d2; }
.card, .confirm { position: fixed; z-index: 2; width: 340px; max-height: 60vh; overflow: auto; box-sizing: border-box;
  padding: 12px 14px; border: 1px solid transparent; border-radius: 8px; background: #fff; color: #202124;
  font: 14px/1.4 system-ui, sans-serif; box-shadow: 0 4px 16px rgba(0, 0, 0, .25); }
.card:not([hidden]) { animation: appear .12s ease-out; }
@keyframes appear { from { opacity: 0; transform: translateY(-4px); } }
.item { border-radius: 4px; }
.item + .item { margin-top: 10px; padding-top: 10px; border-top: 1px solid #e8eaed; }
.severity { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
.severity.error { color: #c5221f; } .severity.warning { color: #b45309; } .severity.info { color: #1967d2; }
.quote { color: #5f6368; font-style: italic; margin: 2px 0; }
.message { margin: 4px 0; }
.notice { margin: 0 0 8px; padding: 6px 8px; border-radius: 6px; background: #fef7e0; color: #5f6368; font-size: 13px; }
.keys { margin: 10px 0 0; font-size: 12px; color: #5f6368; }
.suggestion, .action { display: block; width: 100%; margin: 6px 0 0; padding: 6px 8px; text-align: left;
  border: 1px solid #dadce0; border-radius: 6px; background: #f8f9fa; color: #202124; font: inherit; cursor: pointer; }
.suggestion:hover, .action:hover { background: #e8f0fe; border-color: #1967d2; }
.suggestion .label { display: block; font-size: 12px; color: #5f6368; }
a { display: inline-block; margin-top: 6px; color: #1967d2; }
.buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 10px; }
.buttons button { padding: 6px 12px; border-radius: 6px; border: 1px solid #dadce0; background: #fff; color: #202124;
  font: inherit; cursor: pointer; }
.buttons .post { background: #c5221f; border-color: #c5221f; color: #fff; }
.live { position: fixed; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; }
}
@media (forced-colors: active) {
  .badge, .card, .confirm { border: 1px solid CanvasText; }
  .badge.info { border-style: dotted; }
  .mirror .error, .mirror .warning, .mirror .info { text-decoration-color: CanvasText; }
  .mirror .error { text-decoration-thickness: 3px; }
  .badge:focus-visible, .card:focus-visible, .item:focus-visible, button:focus-visible, a:focus-visible {
    outline-color: Highlight; }
}
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
      // What a screen reader says, politely, when a check finishes with different findings (never per keystroke).
      this.live = this.element('div', 'live');
      this.live.setAttribute('role', 'status');
      this.live.setAttribute('aria-live', 'polite');
      this.live.setAttribute('aria-atomic', 'true');
      this.shadow.append(this.live);
      document.documentElement.append(host);
    }
    return this.shadow;
  },

  announce(text) {
    this.root();
    this.live.textContent = text;
  },

  element(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  },

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

/**
 * The keyboard shortcut that opens the findings from the reply box (the manifest's `commands`, as the browser has it
 * now: the person may change it), told to the content script by the service worker; null until known or when unset.
 * `label` is how the browser writes it (the tooltip shows that), `aria` the same keys as aria-keyshortcuts wants them.
 */
ReplyGuard.keys = null;

/** {label, aria, matches(event)} for a shortcut written as chrome.commands writes it ("Alt+Shift+G", "⌥⇧G"). */
ReplyGuard.parseShortcut = function parseShortcut(label) {
  if (!label) return null;
  const mac = {'⌥': 'Alt', '⇧': 'Shift', '⌘': 'Command', '⌃': 'MacCtrl'};
  const parts = /[⌥⇧⌘⌃]/.test(label) ? [...label].map((c) => mac[c] || c) : label.split('+');
  const key = parts.pop();
  const has = (name) => parts.includes(name);
  const ctrl = has('Ctrl') || has('MacCtrl');
  const meta = has('Command');
  let code = null;
  if (/^[A-Z]$/i.test(key)) code = `Key${key.toUpperCase()}`;
  else if (/^[0-9]$/.test(key)) code = `Digit${key}`;
  else code = {Comma: 'Comma', Period: 'Period', Space: 'Space', Home: 'Home', End: 'End', PageUp: 'PageUp',
    PageDown: 'PageDown', Insert: 'Insert', Delete: 'Delete', Up: 'ArrowUp', Down: 'ArrowDown', Left: 'ArrowLeft',
    Right: 'ArrowRight', ',': 'Comma', '.': 'Period'}[key] || null;
  if (!code) return null;
  const modifiers = [ctrl && 'Control', meta && 'Meta', has('Alt') && 'Alt', has('Shift') && 'Shift'].filter(Boolean);
  return {
    label,
    aria: [...modifiers, code.replace(/^(Key|Digit)/, '')].join('+'),
    matches: (event) => event.code === code && event.ctrlKey === ctrl && event.metaKey === meta
      && event.altKey === has('Alt') && event.shiftKey === has('Shift'),
  };
};

/**
 * The small round badge in a field's bottom-right corner: count and colour of the worst severity (square for an
 * error), or a tick. Its accessible name says the count and the worst severity; its tooltip, the shortcut.
 */
ReplyGuard.Badge = class Badge {
  constructor(field, onOpen) {
    this.field = field;
    this.button = ReplyGuard.ui.element('button', 'badge');
    this.button.type = 'button';
    this.button.hidden = true;
    // mousedown would move the focus out of the editor; the card opens on click instead.
    this.button.addEventListener('mousedown', (event) => event.preventDefault());
    // A click with no mouse behind it (detail 0) is Enter or Space: the card then takes the focus.
    this.button.addEventListener('click', (event) => onOpen(this.button.getBoundingClientRect(), event.detail === 0));
    ReplyGuard.ui.root().append(this.button);
  }

  /** An empty field shows the badge only while it has the focus, as the way to its templates. */
  show(state, findings, strings, focused) {
    const button = this.button;
    button.hidden = state === 'empty' && !focused;
    let name;
    if (state === 'empty') {
      button.className = 'badge templates';
      button.textContent = '+';
      name = strings.templates;
    } else if (state === 'offline' || state === 'problem') {
      button.className = 'badge offline';
      button.textContent = '!';
      name = state === 'offline' ? strings.offline : strings.refused;
    } else if (!findings.length) {
      button.className = 'badge clean';
      button.textContent = '\u2713';
      name = strings.clean;
    } else {
      const worst = ReplyGuard.SEVERITIES.find((severity) => findings.some((f) => f.severity === severity));
      button.className = `badge ${worst}`;
      button.textContent = String(findings.length);
      name = strings.countWorst(findings.length, strings.worst[worst]);
    }
    const keys = ReplyGuard.keys;
    const title = keys ? `${name}\n${strings.shortcutHint(keys.label)}` : name;
    if (button.title !== title) button.title = title;
    if (button.getAttribute('aria-label') !== name) button.setAttribute('aria-label', name);
    if (keys && button.getAttribute('aria-keyshortcuts') !== keys.aria) {
      button.setAttribute('aria-keyshortcuts', keys.aria);
    }
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

let itemIds = 0;

/**
 * The card with findings: their messages, one-click suggestions and a link to the playbook page. A labelled region.
 * Opened from the keyboard (the shortcut, or Enter on the badge) it takes the focus: ↑ and ↓ (Home, End) move between
 * the findings, Tab through their buttons and links, and Escape, or Tab past either end, closes it and puts the focus
 * back in the reply box with the caret where it was (the owner's returnToField). Keys pressed in it stay in it.
 */
ReplyGuard.card = {
  box: null,
  owner: null,
  finding: null,
  hideTimer: null,
  keyboard: false,

  /**
   * Opens the card by `rect` with `content`; `finding` is the underlined finding it is about, if any. `keyboard`
   * opens it with the focus in it (once set, it lasts until the card closes); `label` names the region.
   */
  show(owner, rect, content, finding = null, {keyboard = false, label} = {}) {
    const ui = ReplyGuard.ui;
    if (!this.box) {
      this.box = ui.element('div', 'card');
      this.box.setAttribute('role', 'region');
      this.box.tabIndex = -1;
      this.box.addEventListener('mousedown', (event) => {
        if (event.target.tagName !== 'A') event.preventDefault(); // keep the focus (and caret) in the editor
      });
      this.box.addEventListener('mouseenter', () => clearTimeout(this.hideTimer));
      this.box.addEventListener('mouseleave', () => this.hideSoon());
      this.box.addEventListener('keydown', (event) => this.onKey(event));
      ui.root().append(this.box);
      addEventListener('keydown', (event) => {
        if (event.key === 'Escape' && !event.composedPath().includes(this.box)) this.hide();
      }, true);
      addEventListener('mousedown', (event) => {
        if (!event.composedPath().includes(this.box)) this.hide(false);
      }, true);
    }
    clearTimeout(this.hideTimer);
    const strings = owner.strings();
    this.keyboard = keyboard || (this.keyboard && this.isOpenFor(owner));
    this.owner = owner;
    this.finding = finding;
    this.box.setAttribute('aria-label', label || strings.cardLabel);
    if (this.keyboard) content = [...content, ui.element('p', 'keys', strings.keysHint)];
    this.box.replaceChildren(...content);
    this.box.hidden = false;
    ui.placeNear(this.box, rect);
    if (this.keyboard) (this.box.querySelector('.item') || this.focusables()[0] || this.box).focus();
  },

  /** A finding as the card shows it; `onApply(suggestion)` applies one. */
  findingItem(finding, strings, quote, onApply) {
    const ui = ReplyGuard.ui;
    const item = ui.element('div', 'item');
    // A stop for ↑ and ↓, read out as its severity, quote and message.
    const id = `replyguard-item-${++itemIds}`;
    item.setAttribute('role', 'group');
    item.tabIndex = -1;
    const severity = ui.element('div', `severity ${finding.severity}`,
      `${strings.severity[finding.severity] || finding.severity}${quote === null ? ` · ${strings.wholeReply}` : ''}`);
    const parts = [severity];
    if (quote) parts.push(ui.element('div', 'quote', `“${quote}”`));
    parts.push(ui.element('div', 'message', finding.message));
    parts.forEach((part, index) => { part.id = `${id}-${index}`; });
    item.setAttribute('aria-labelledby', parts.map((part) => part.id).join(' '));
    item.append(...parts);
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

  focusables() {
    return Array.from(this.box.querySelectorAll('button, a[href]'));
  },

  onKey(event) {
    event.stopPropagation(); // the page's own shortcuts never see keys meant for the card
    const active = ReplyGuard.ui.root().activeElement;
    const before = (element) => Boolean(element.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (event.key === 'Escape') {
      this.hide();
    } else if (event.key === 'Tab') {
      const focusables = this.focusables();
      const further = event.shiftKey ? focusables.filter((element) => before(element))
        : focusables.filter((element) => element !== active && !before(element) && !element.contains(active));
      if (further.length) return; // the browser moves to it
      this.hide();
    } else if (['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) {
      const items = Array.from(this.box.querySelectorAll('.item'));
      const stops = items.length ? items : this.focusables();
      if (!stops.length) return;
      const at = stops.findIndex((stop) => stop.contains(active));
      const next = {Home: 0, End: stops.length - 1, ArrowDown: Math.min(at + 1, stops.length - 1),
        ArrowUp: Math.max(at - 1, 0)}[event.key];
      stops[next].focus();
    } else {
      return;
    }
    event.preventDefault();
  },

  hideSoon() {
    if (this.keyboard) return; // a card opened from the keyboard stays until the person leaves it
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => this.hide(), 300);
  },

  /** Closes the card; if the focus was in it, it goes back to the reply box (not when a click takes it elsewhere). */
  hide(returnFocus = true) {
    clearTimeout(this.hideTimer);
    const owner = this.owner;
    const focused = this.box !== null && !this.box.hidden && this.box.contains(ReplyGuard.ui.root().activeElement);
    if (this.box) this.box.hidden = true;
    this.owner = null;
    this.finding = null;
    this.keyboard = false;
    if (owner && focused && returnFocus) owner.returnToField();
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
  // Named by its question and described by its message, as a screen reader announces it when the focus moves in.
  const id = `replyguard-ask-${++itemIds}`;
  const said = ui.element('div', 'message', message);
  const asked = ui.element('strong', '', question);
  said.id = `${id}-message`;
  asked.id = `${id}-question`;
  box.setAttribute('aria-labelledby', asked.id);
  box.setAttribute('aria-describedby', said.id);
  box.append(said, asked);
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
      event.stopPropagation(); // the page's own shortcuts never see keys meant for the question
      if (event.key === 'Escape') answer(false);
      else if (event.key === 'Tab') { // the two buttons take turns; the question is answered before anything else
        event.preventDefault();
        (ui.root().activeElement === keep ? post : keep).focus();
      }
    });
  });
};

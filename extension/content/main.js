// Watches the fields people type replies in: checks each draft a moment after the last keystroke (one request at a
// time per field, an answer for older text is never drawn), draws underlines and the badge, opens cards, and asks
// before a reply with an error-level finding is posted. Before a comment is deleted or hidden, it reminds the person
// that only hateful comments may go, saying whether this one reads as hateful.
'use strict';

const DEBOUNCE_MS = 300;
const PRE_POST_CHECK_MS = 2000;
const checkers = new Map(); // field -> FieldChecker

ReplyGuard.send = async function send(message) {
  try {
    return await chrome.runtime.sendMessage(message);
  } catch {
    return {kind: 'offline', retryInMs: 5000}; // the extension was reloaded or its worker is starting
  }
};

function pageLanguage() {
  return (document.documentElement.lang || navigator.language || '').startsWith('da') ? 'da' : 'en';
}

/** What an edit that changed `before` into `after` left alone: the length of the common start and common end. */
function unchangedEnds(before, after) {
  const shortest = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shortest && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shortest - prefix
         && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return {prefix, suffix};
}

/**
 * Where a text offset is after an edit that changed `before` into `after`: the same before the edit, shifted after
 * it, at the end of the new text inside it.
 */
function movedOffset(offset, before, after) {
  if (before === after) return offset;
  const {prefix, suffix} = unchangedEnds(before, after);
  if (offset <= prefix) return offset;
  if (offset >= before.length - suffix) return offset + after.length - before.length;
  return after.length - suffix;
}

/** Findings of the text before an edit, moved to where they are after it; those the edit touched are dropped. */
function shiftFindings(findings, before, after) {
  const {prefix, suffix} = unchangedEnds(before, after);
  const editEnd = before.length - suffix;
  const delta = after.length - before.length;
  return findings
    .filter((f) => f.start === null || f.end <= prefix || f.start >= editEnd)
    .map((f) => (f.start === null || f.end <= prefix ? f : {...f, start: f.start + delta, end: f.end + delta}));
}

class FieldChecker {
  constructor(field, adapter) {
    this.field = field;
    this.adapter = adapter;
    this.isTextarea = field.tagName === 'TEXTAREA';
    this.underlines = this.isTextarea
      ? new ReplyGuard.MirrorUnderlines(field, ReplyGuard.ui.root())
      : new ReplyGuard.HighlightUnderlines(field);
    // The badge's card opens beside the whole reply box, so it never hides the words being written.
    this.badge = new ReplyGuard.Badge(field,
      (rect, keyboard) => this.openBadgeCard(ReplyGuard.ui.around(rect, field.getBoundingClientRect()), keyboard));
    this.state = 'empty'; // empty | findings | offline | problem
    this.findings = [];
    this.text = this.readText();
    this.checkedText = null;
    this.language = pageLanguage();
    this.timer = null;
    this.running = null;
    this.checkAgain = false;
    this.drawPending = false;
    this.caret = null; // where the caret was when the focus left the field, to put it back there
    this.announced = null; // what a screen reader was last told about this field's findings

    this.onEdit = this.onEdit.bind(this);
    this.onPointer = this.onPointer.bind(this);
    field.addEventListener('input', this.onEdit);
    field.addEventListener('mousemove', this.onPointer);
    field.addEventListener('click', this.onPointer);
    field.addEventListener('mouseleave', () => { if (ReplyGuard.card.isOpenFor(this)) ReplyGuard.card.hideSoon(); });
    field.addEventListener('scroll', () => this.underlines.place(), {passive: true});
    field.addEventListener('focus', () => {
      lastFocused = this;
      this.requestDraw();
    });
    field.addEventListener('blur', () => {
      this.caret = this.saveCaret();
      this.requestDraw();
    });
    // Lexical changes its DOM without an input event for some edits (first character, Enter, select-all + delete).
    this.observer = this.isTextarea ? null : new MutationObserver(this.onEdit);
    if (this.observer) this.observer.observe(field, {childList: true, characterData: true, subtree: true});
    this.resizeObserver = new ResizeObserver(() => this.place());
    this.resizeObserver.observe(field);
    if (this.text.trim()) this.check();
    else this.requestDraw(); // the way to the templates
    lastFocused = this; // taken on as it gets the focus, before its own focus listener could hear it
    askForShortcut();
  }

  readText() {
    return this.isTextarea ? this.field.value : ReplyGuard.readEditable(this.field).text;
  }

  strings() {
    return ReplyGuard.STRINGS[this.language] || ReplyGuard.STRINGS.en;
  }

  onEdit() {
    const text = this.readText();
    if (text === this.text) return;
    this.findings = shiftFindings(this.findings, this.text, text);
    this.text = text;
    if (!text.trim()) this.state = 'empty';
    this.requestDraw();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), DEBOUNCE_MS);
  }

  async check() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.running) {
      this.checkAgain = true;
      return this.running;
    }
    this.running = this.request();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
    if (this.checkAgain && !this.disposed) {
      this.checkAgain = false;
      if (!this.timer && this.readText() !== this.checkedText) await this.check();
    }
  }

  async request() {
    const text = this.readText();
    if (!text.trim()) {
      this.show('empty', [], text);
      return;
    }
    const thread = this.adapter.readThread(this.field);
    const answer = await ReplyGuard.send({
      kind: 'check', text, platform: this.adapter.platform, context: thread.context,
    });
    if (this.disposed) return;
    if (this.readText() !== text) {
      // The person typed on while this was checked: drop the answer; the newer text gets its own check.
      if (!this.timer) this.checkAgain = true;
      return;
    }
    if (answer.kind === 'findings') {
      this.language = answer.language;
      this.threadUnread = thread.unread;
      this.show('findings', answer.findings, text);
    } else if (answer.kind === 'offline') {
      this.retryInMs = answer.retryInMs;
      this.show('offline', [], text);
      this.timer = setTimeout(() => this.check(), answer.retryInMs);
    } else {
      this.problem = answer.message;
      this.show('problem', [], text);
    }
  }

  /** An answer is drawn at once; edits are drawn once per frame, however fast the person types. */
  show(state, findings, text) {
    this.state = state;
    this.findings = findings;
    this.checkedText = text;
    this.draw();
    this.announce();
  }

  /**
   * A finished check tells a screen reader what it found, politely, if that differs from what it last said about
   * this field (the badge's name: the count and the worst severity). Typing alone never says anything.
   */
  announce() {
    const strings = this.strings();
    let said = null;
    if (this.state === 'offline') said = strings.offline;
    else if (this.state === 'problem') said = strings.refused;
    else if (this.state === 'findings') said = this.badge.button.getAttribute('aria-label');
    if (said !== this.announced) {
      this.announced = said;
      if (said) ReplyGuard.ui.announce(said);
    }
  }

  requestDraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      if (!this.disposed) this.draw();
    });
  }

  draw() {
    this.underlines.draw(this.findings.filter((f) => f.start !== null));
    this.badge.show(this.state, this.findings, this.strings(), document.activeElement === this.field);
    const card = ReplyGuard.card;
    if (card.isOpenFor(this) && card.finding && !this.findings.includes(card.finding)) card.hide();
  }

  place() {
    if (this.isTextarea) this.underlines.copyStyles();
    this.underlines.place();
    this.badge.place();
  }

  /** Hovering or clicking an underline opens its card. */
  onPointer(event) {
    const finding = this.underlines.findingAt(event.clientX, event.clientY);
    const card = ReplyGuard.card;
    if (!finding) {
      if (card.isOpenFor(this) && card.finding) card.hideSoon();
      return;
    }
    if (card.isOpenFor(this) && card.finding === finding) {
      clearTimeout(card.hideTimer);
      return;
    }
    const quote = this.text.slice(finding.start, finding.end);
    card.show(this, this.underlines.rectOf(finding), [
      card.findingItem(finding, this.strings(), quote, (suggestion) => this.apply(finding, suggestion)),
    ], finding);
  }

  openBadgeCard(rect, keyboard = false) {
    const card = ReplyGuard.card;
    const strings = this.strings();
    const ui = ReplyGuard.ui;
    let content;
    if (this.state === 'empty') {
      this.openTemplates(rect, keyboard);
      return;
    }
    if (this.state === 'offline') {
      const retry = ui.element('button', 'action', strings.retryNow);
      retry.addEventListener('click', () => {
        card.hide();
        ReplyGuard.send({kind: 'retry'}).then(() => this.check());
      });
      content = [ui.element('div', 'message', strings.offlineDetail(Math.ceil(this.retryInMs / 1000))), retry];
    } else if (this.state === 'problem') {
      content = [ui.element('div', 'message', strings.problem), ui.element('div', 'quote', this.problem)];
    } else if (!this.findings.length) {
      content = [ui.element('div', 'message', strings.clean)];
    } else {
      content = this.findings.map((finding) => card.findingItem(
        finding, strings, finding.start === null ? null : this.text.slice(finding.start, finding.end),
        (suggestion) => this.apply(finding, suggestion)));
    }
    // The advice didn't see the comment this reply answers: the card says so first, before anything is taken as advice.
    if (this.state === 'findings' && this.threadUnread) {
      content.unshift(ui.element('div', 'notice', strings.threadUnread));
    }
    if (this.state !== 'offline') {
      const templates = ui.element('button', 'action', strings.templates);
      templates.addEventListener('click', () => this.openTemplates(rect));
      content.push(templates);
    }
    card.show(this, rect, content, null, {keyboard, label: this.badge.button.getAttribute('aria-label')});
  }

  /**
   * The shortcut in the reply box (or on its badge): the badge's card opens with the focus in it. Where the caret was
   * is kept, for returnToField.
   */
  openFromKeyboard() {
    const active = document.activeElement;
    if (active === this.field || this.field.contains(active)) this.caret = this.saveCaret();
    this.draw();
    this.openBadgeCard(this.field.getBoundingClientRect(), true);
  }

  /** The focus back in the reply box, the caret (or selection) where it was. */
  returnToField() {
    this.restoreCaret(this.caret);
  }

  /** The selection in the field: as text offsets, with the text they are in, and for an editor its DOM positions. */
  saveCaret() {
    const field = this.field;
    if (this.isTextarea) {
      return {text: field.value, anchor: field.selectionStart, focus: field.selectionEnd,
        direction: field.selectionDirection};
    }
    const selection = getSelection();
    if (!selection.rangeCount || !field.contains(selection.anchorNode) || !field.contains(selection.focusNode)) {
      return null;
    }
    const map = ReplyGuard.readEditable(field);
    const {anchorNode, anchorOffset, focusNode, focusOffset} = selection;
    return {
      text: map.text, anchorNode, anchorOffset, focusNode, focusOffset,
      anchor: ReplyGuard.offsetOf(map, anchorNode, anchorOffset),
      focus: ReplyGuard.offsetOf(map, focusNode, focusOffset),
    };
  }

  /** Focuses the field with the selection `caret` (from saveCaret), moved by any edit made since. */
  restoreCaret(caret) {
    const field = this.field;
    field.focus({preventScroll: true});
    if (!caret) return;
    const text = this.readText();
    const anchor = movedOffset(caret.anchor, caret.text, text);
    const focus = movedOffset(caret.focus, caret.text, text);
    if (this.isTextarea) {
      field.setSelectionRange(Math.min(anchor, focus), Math.max(anchor, focus), caret.direction);
      return;
    }
    const selection = getSelection();
    if (text === caret.text && field.contains(caret.anchorNode) && field.contains(caret.focusNode)) {
      selection.setBaseAndExtent(caret.anchorNode, caret.anchorOffset, caret.focusNode, caret.focusOffset);
      return;
    }
    const map = ReplyGuard.readEditable(field);
    const at = (offset) => ReplyGuard.positionAt(map, offset, true) || ReplyGuard.positionAt(map, offset, false);
    const [from, to] = [at(anchor), at(focus)];
    if (from && to) selection.setBaseAndExtent(from.node, from.offset, to.node, to.offset);
  }

  /**
   * The card lists the playbook's approved templates in the reply's language (before a check, the settings' or the
   * page's); a click puts one in the field, in place of any draft, which the button then says it replaces.
   */
  async openTemplates(rect, keyboard = false) {
    const card = ReplyGuard.card;
    const ui = ReplyGuard.ui;
    const strings = this.strings();
    card.show(this, rect, [ui.element('div', 'message', strings.templatesLoading)], null, {keyboard});
    const language = this.state === 'findings' ? this.language : await settingsLanguage();
    const answer = await ReplyGuard.send({kind: 'templates', language});
    if (!card.isOpenFor(this) || card.finding) return; // closed, or another card opened meanwhile
    if (answer.kind !== 'templates') {
      card.show(this, rect, [ui.element('div', 'message', strings.templatesUnavailable)]);
      return;
    }
    const hasDraft = Boolean(this.readText().trim());
    const items = answer.templates.map((template) => {
      const button = ui.element('button', 'suggestion');
      button.type = 'button';
      button.append(ui.element('span', 'label', hasDraft ? strings.replaceDraft : strings.insert), template.title,
        ui.element('span', 'situation', template.situation));
      button.addEventListener('click', () => this.insertTemplate(template.text));
      return button;
    });
    card.show(this, rect, [ui.element('div', 'heading', strings.templatesTitle), ...items]);
  }

  async insertTemplate(text) {
    ReplyGuard.card.hide(false);
    await this.adapter.replaceAll(this.field, text);
    this.onEdit();
    this.check();
  }

  /**
   * Applies a suggestion through the editor's own input path, then checks the new text straight away. From a card
   * opened with the keyboard, the caret then goes back where it was (moved by the edit).
   */
  async apply(finding, suggestion) {
    const card = ReplyGuard.card;
    const caret = card.keyboard && card.isOpenFor(this) ? this.caret : null;
    card.hide(false);
    const text = this.readText();
    if (finding.start !== null) {
      this.adapter.replace(this.field, finding.start, finding.end, suggestion);
    } else if (finding.insert === 'replace') {
      await this.adapter.replaceAll(this.field, suggestion);  // e.g. the move-to-phone template instead of another argument
    } else if (finding.insert === 'start') {
      this.adapter.replace(this.field, 0, 0, `${suggestion} `);
    } else {
      // A new paragraph in a textarea; in a contenteditable a space, since rich editors such as Lexical take line
      // breaks only from the Enter key, and Enter posts the comment on Facebook.
      const end = text.trimEnd().length;
      this.adapter.replace(this.field, end, end, `${this.isTextarea ? '\n\n' : ' '}${suggestion}`);
    }
    this.onEdit();
    this.check();
    if (caret) {
      await new Promise((resolve) => setTimeout(resolve)); // an editor such as Lexical redraws its text first
      this.restoreCaret(caret);
    }
  }

  /**
   * The person is posting. With an error-level finding for the current text (checked now if the last check is
   * older than the text), the post waits for their answer in a small confirm; either way the text stays as it is.
   */
  async beforePost(event) {
    if (this.confirming) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    const fresh = this.checkedText === this.readText();
    if ((fresh || this.state === 'offline') && !this.hasError()) {
      this.reportPost(false);
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    this.confirming = true;
    try {
      if (!fresh) await Promise.race([this.check(), new Promise((done) => setTimeout(done, PRE_POST_CHECK_MS))]);
      const error = this.checkedText === this.readText() && this.findings.find((f) => f.severity === 'error');
      const toPost = !error || await ReplyGuard.confirmPost(
        this.field.getBoundingClientRect(), error.message, this.strings());
      if (toPost) {
        this.reportPost(Boolean(error));
        this.adapter.post(this.field);
      } else {
        this.field.focus();
      }
    } finally {
      this.confirming = false;
    }
  }

  hasError() {
    return this.findings.some((f) => f.severity === 'error');
  }

  /**
   * Tells the team's insight that this reply is being posted: the rules, severities and kinds of dig or dodge its
   * last check found, whether the person was asked first, and when the answered comment was posted; never the text.
   * Only for a text whose check came back. Fire-and-forget: the message is built now (posting empties the field) and
   * never awaited.
   */
  reportPost(afterQuestion) {
    if (this.state !== 'findings' || this.checkedText !== this.readText()) return;
    const {context} = this.adapter.readThread(this.field);
    ReplyGuard.send({kind: 'event', event: {
      type: 'reply_posted',
      platform: this.adapter.platform,
      language: this.language,
      findings: this.findings.map((f) => ({rule: f.rule, severity: f.severity, kind: f.kind ?? null})),
      after_question: afterQuestion,
      complaint_posted_at: context.complaint_posted_at || null,
    }});
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.timer);
    if (this.observer) this.observer.disconnect();
    this.resizeObserver.disconnect();
    this.underlines.dispose();
    this.badge.dispose();
    if (ReplyGuard.card.isOpenFor(this)) ReplyGuard.card.hide();
    checkers.delete(this.field);
  }
}

const siteAdapter = ReplyGuard.adapters.find((adapter) => adapter.site && adapter.matchesPage(location));
let siteEnabled = false;

function attach(target) {
  if (!siteEnabled) return;
  for (const adapter of ReplyGuard.adapters) {
    if (!adapter.matchesPage(location)) continue;
    const field = adapter.fieldFor(target);
    if (field) {
      if (!checkers.has(field)) checkers.set(field, new FieldChecker(field, adapter));
      return;
    }
  }
}

let lastFocused = null; // the field that had the focus last: the browser's shortcut opens its findings
let lastCommand = {at: -Infinity, fromPage: false};

/** The element with the focus, inside ReplyGuard's own shadow root too. */
function focusedElement() {
  const active = document.activeElement;
  const shadow = ReplyGuard.ui.shadow;
  return shadow && active === shadow.host ? shadow.activeElement : active;
}

/**
 * "open-findings", the manifest's command, from the browser or pressed in the page: in a checked field it opens the
 * field's findings with the focus in them; in the card it closes them and goes back to the field. Sent by the
 * browser, with the focus elsewhere, it opens the findings of the field that had the focus last.
 */
function runCommand(command, target, fromPage) {
  if (command !== 'open-findings' || !siteEnabled || !target) return false;
  // One key press seen twice, by the page and as the browser's command, counts once.
  const now = performance.now();
  if (now - lastCommand.at < 300 && lastCommand.fromPage !== fromPage) return true;
  const card = ReplyGuard.card;
  if (card.box && card.owner && card.box.contains(target)) {
    lastCommand = {at: now, fromPage};
    card.hide();
    return true;
  }
  let checker = null;
  for (const candidate of checkers.values()) {
    if (candidate.field === target || candidate.field.contains(target)) checker = candidate;
  }
  if (!checker && !fromPage && lastFocused && checkers.get(lastFocused.field) === lastFocused) checker = lastFocused;
  if (!checker) return false;
  lastCommand = {at: now, fromPage};
  checker.openFromKeyboard();
  return true;
}

/** The shortcut pressed in a checked field or the card; any other key, anywhere else, is left to the page. */
function onShortcutKey(event) {
  const keys = ReplyGuard.keys;
  if (!keys || !event.isTrusted || event.isComposing || !keys.matches(event)) return;
  if (runCommand('open-findings', event.composedPath()[0], true)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}

let shortcutAsked = false;

/** Asks the service worker once which keys the browser has for the command, for the page and the badge's tooltip. */
function askForShortcut() {
  if (shortcutAsked) return;
  shortcutAsked = true;
  ReplyGuard.send({kind: 'shortcut'}).then((answer) => {
    if (answer.kind !== 'shortcut') {
      shortcutAsked = false; // the worker was starting: the next field asks again
      return;
    }
    ReplyGuard.keys = ReplyGuard.parseShortcut(answer.shortcut);
    for (const checker of checkers.values()) checker.requestDraw();
  });
}

function onPostAttempt(event) {
  if (!event.isTrusted) return; // our own re-post after the confirm
  for (const checker of checkers.values()) {
    if (checker.adapter.isPostAttempt(event, checker.field)) {
      checker.beforePost(event);
      return;
    }
  }
}

let reminding = false;

/**
 * "Delete" or "Hide comment" in a comment's menu: the click waits while the comment is classified and the reminder
 * asks; "go ahead" clicks the item again (an untrusted click, let through). Offline, the reminder comes without a
 * classification, so the person is never stopped.
 */
async function onRemovalAttempt(event) {
  if (!event.isTrusted || !siteEnabled || !siteAdapter) return;
  const removal = siteAdapter.removalFor(event);
  if (!removal) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  if (reminding) return;
  reminding = true;
  try {
    const [answer, strings] = await Promise.all([
      removal.text ? ReplyGuard.send({kind: 'classify', text: removal.text}) : {kind: 'offline'},
      settingsStrings(),
    ]);
    const known = answer.kind === 'classification';
    const hateful = known && answer.comment === 'hateful';
    const message = hateful ? strings.removeHateful : known ? strings.removeNotHateful : strings.removeUnclassified;
    const goAhead = await ReplyGuard.ask(removal.item.getBoundingClientRect(), message,
      strings.removeQuestion[removal.action], strings.cancel,
      (hateful ? strings.remove : strings.removeAnyway)[removal.action]);
    if (goAhead) removal.item.click();
  } finally {
    reminding = false;
  }
}

/** The language chosen in the settings, or the page's when that is "auto". */
async function settingsLanguage() {
  const {language} = await chrome.storage.local.get('language');
  return ReplyGuard.STRINGS[language] ? language : pageLanguage();
}

async function settingsStrings() {
  return ReplyGuard.STRINGS[await settingsLanguage()];
}

let placing = false;
function placeAll(event) {
  if (event && event.type === 'scroll' && !ReplyGuard.card.box?.contains(event.target)) ReplyGuard.card.hide();
  if (placing) return;
  placing = true;
  requestAnimationFrame(() => {
    placing = false;
    for (const checker of checkers.values()) checker.place();
  });
}

function setEnabled(sites) {
  siteEnabled = !siteAdapter || (sites || {})[siteAdapter.site] !== false;
  if (!siteEnabled) for (const checker of [...checkers.values()]) checker.dispose();
  else if (document.activeElement) attach(document.activeElement);
}

// Fields are taken on when they get the focus, so boxes that open later and pages that change without a reload
// are covered without watching the whole page. Once a second, fields that left the page are let go, and a textarea
// the page itself emptied or filled (as after posting; that fires no input event) is read again.
addEventListener('focusin', (event) => attach(event.composedPath()[0]), true);
addEventListener('keydown', onShortcutKey, true);
addEventListener('keydown', onPostAttempt, true);
// The browser's command, routed by the service worker's dispatcher to this tab.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !message || message.kind !== 'command') return false;
  sendResponse({kind: 'command-done', handled: runCommand(message.command, focusedElement(), false)});
  return false;
});
addEventListener('click', onPostAttempt, true);
addEventListener('click', onRemovalAttempt, true);
addEventListener('scroll', placeAll, {capture: true, passive: true});
addEventListener('resize', placeAll, {passive: true});
setInterval(() => {
  for (const checker of [...checkers.values()]) {
    if (!checker.field.isConnected) checker.dispose();
    else if (checker.isTextarea) checker.onEdit();
  }
}, 1000);
/**
 * The per-site switches: an administrator's (set by policy) over the person's own. The person's come first, because
 * right after the browser starts Chrome holds back managed storage until its policies have loaded (seconds).
 */
async function applySiteSwitches() {
  const own = (await chrome.storage.local.get('sites')).sites;
  setEnabled(own);
  const managed = await chrome.storage.managed.get('sites').catch(() => ({})); // none: nothing is set by policy
  if (managed.sites) setEnabled({...own, ...managed.sites});
}

applySiteSwitches();
chrome.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' || area === 'managed') && changes.sites) applySiteSwitches();
});

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

/** Findings of the text before an edit, moved to where they are after it; those the edit touched are dropped. */
function shiftFindings(findings, before, after) {
  const shortest = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shortest && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shortest - prefix
         && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
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
      (rect) => this.openBadgeCard(ReplyGuard.ui.around(rect, field.getBoundingClientRect())));
    this.state = 'empty'; // empty | findings | offline | problem
    this.findings = [];
    this.text = this.readText();
    this.checkedText = null;
    this.language = pageLanguage();
    this.timer = null;
    this.running = null;
    this.checkAgain = false;
    this.drawPending = false;

    this.onEdit = this.onEdit.bind(this);
    this.onPointer = this.onPointer.bind(this);
    field.addEventListener('input', this.onEdit);
    field.addEventListener('mousemove', this.onPointer);
    field.addEventListener('click', this.onPointer);
    field.addEventListener('mouseleave', () => { if (ReplyGuard.card.isOpenFor(this)) ReplyGuard.card.hideSoon(); });
    field.addEventListener('scroll', () => this.underlines.place(), {passive: true});
    field.addEventListener('focus', () => this.requestDraw());
    field.addEventListener('blur', () => this.requestDraw());
    // Lexical changes its DOM without an input event for some edits (first character, Enter, select-all + delete).
    this.observer = this.isTextarea ? null : new MutationObserver(this.onEdit);
    if (this.observer) this.observer.observe(field, {childList: true, characterData: true, subtree: true});
    this.resizeObserver = new ResizeObserver(() => this.place());
    this.resizeObserver.observe(field);
    if (this.text.trim()) this.check();
    else this.requestDraw(); // the way to the templates
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

  openBadgeCard(rect) {
    const card = ReplyGuard.card;
    const strings = this.strings();
    const ui = ReplyGuard.ui;
    let content;
    if (this.state === 'empty') {
      this.openTemplates(rect);
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
    card.show(this, rect, content);
  }

  /**
   * The card lists the playbook's approved templates in the reply's language (before a check, the settings' or the
   * page's); a click puts one in the field, in place of any draft, which the button then says it replaces.
   */
  async openTemplates(rect) {
    const card = ReplyGuard.card;
    const ui = ReplyGuard.ui;
    const strings = this.strings();
    card.show(this, rect, [ui.element('div', 'message', strings.templatesLoading)]);
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
    ReplyGuard.card.hide();
    await this.adapter.replaceAll(this.field, text);
    this.onEdit();
    this.check();
  }

  /** Applies a suggestion through the editor's own input path, then checks the new text straight away. */
  async apply(finding, suggestion) {
    ReplyGuard.card.hide();
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
    if ((fresh || this.state === 'offline') && !this.hasError()) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    this.confirming = true;
    try {
      if (!fresh) await Promise.race([this.check(), new Promise((done) => setTimeout(done, PRE_POST_CHECK_MS))]);
      const error = this.checkedText === this.readText() && this.findings.find((f) => f.severity === 'error');
      const toPost = !error || await ReplyGuard.confirmPost(
        this.field.getBoundingClientRect(), error.message, this.strings());
      if (toPost) this.adapter.post(this.field);
      else this.field.focus();
    } finally {
      this.confirming = false;
    }
  }

  hasError() {
    return this.findings.some((f) => f.severity === 'error');
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
addEventListener('keydown', onPostAttempt, true);
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

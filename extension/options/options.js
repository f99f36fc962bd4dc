// The options page: API URL and key, reply language, on/off per site, a connection test, and the keyboard shortcut.
// Settings an administrator set by policy are shown but locked. An API outside the loopback addresses the extension
// may always reach is asked for as an optional host permission when saved.

import {DEFAULT_SETTINGS, loadSettings, normaliseApiUrl} from '../settings.js';

const form = document.getElementById('settings');
const SITES = ['facebook', 'trustpilot'];
const status = document.getElementById('status');

const phrase = (key, ...values) => chrome.i18n.getMessage(key, values.map(String));

/** The page in the browser's language (_locales/), as text: nothing here is ever read as HTML. */
function localise() {
  document.documentElement.lang = chrome.i18n.getUILanguage();
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = phrase(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-placeholder]')) {
    element.placeholder = phrase(element.dataset.i18nPlaceholder);
  }
}

function say(message, kind) {
  status.textContent = message;
  status.className = kind;
}

async function fill() {
  const settings = await loadSettings();
  form.apiUrl.value = settings.apiUrl;
  form.apiKey.value = settings.apiKey;
  form.language.value = settings.language;
  form.facebook.checked = settings.sites.facebook;
  form.trustpilot.checked = settings.sites.trustpilot;
  // What an administrator set by policy is shown, and can't be changed here.
  const {managed} = settings;
  const locked = [...['apiUrl', 'apiKey', 'language'].filter((name) => name in managed),
    ...SITES.filter((site) => site in (managed.sites || {}))];
  for (const name of locked) form[name].disabled = true;
  document.getElementById('managed').hidden = locked.length === 0;
}

/**
 * The API URL in the form, once it is a usable http(s) address the worker may reach; otherwise null, with the reason
 * shown (`refusedKey`: what to say when the person doesn't grant the permission). The worker reaches an API it has a
 * host permission for, and asking for one needs a click, as Save and Test connection are. An address set by policy
 * needs none: the team's API lets the extension in by CORS (its extension_origins setting).
 */
async function reachableApiUrl(refusedKey) {
  const apiUrl = normaliseApiUrl(form.apiUrl.value);
  if (!apiUrl) {
    say(phrase('badUrl'), 'error');
    return null;
  }
  if (form.apiUrl.disabled) return apiUrl;
  const origins = [`${new URL(apiUrl).origin}/*`];
  if (!(await chrome.permissions.contains({origins})) && !(await chrome.permissions.request({origins}))) {
    say(phrase(refusedKey, new URL(apiUrl).origin), 'error');
    return null;
  }
  return apiUrl;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const apiUrl = await reachableApiUrl('notSavedNoPermission');
  if (!apiUrl) return;
  // Only the person's own choices are stored: a field set by policy keeps what the person had before it.
  const own = await chrome.storage.local.get('sites');
  const choices = {apiUrl, apiKey: form.apiKey.value.trim(), language: form.language.value};
  const sites = {...own.sites};
  for (const site of SITES) if (!form[site].disabled) sites[site] = form[site].checked;
  await chrome.storage.local.set({
    ...Object.fromEntries(Object.entries(choices).filter(([name]) => !form[name].disabled)),
    sites,
  });
  await chrome.runtime.sendMessage({kind: 'retry'}); // a new address deserves a fresh try
  form.apiUrl.value = apiUrl;
  say(phrase('saved'), 'ok');
});

document.getElementById('test-connection').addEventListener('click', async () => {
  const apiUrl = await reachableApiUrl('noPermission');
  if (!apiUrl) return;
  say(phrase('testing'), '');
  const answer = await chrome.runtime.sendMessage({kind: 'health', apiUrl, apiKey: form.apiKey.value.trim()});
  if (answer.kind === 'health') {
    say(phrase('connected', answer.status, answer.version, answer.rules), 'ok');
  } else if (answer.kind === 'offline') {
    say(phrase('noConnection', apiUrl, answer.message), 'error');
  } else {
    say(phrase('answered', apiUrl, answer.message), 'error');
  }
});

/** The keys that open the findings from a reply box, as the browser has them now (the person may change them). */
async function showShortcut() {
  const commands = await chrome.commands.getAll();
  const open = commands.find((command) => command.name === 'open-findings');
  document.getElementById('shortcut').textContent = (open && open.shortcut) || phrase('shortcutNone');
}

// The browser's own page for an extension's shortcuts: Firefox opens its own (about:addons); Chrome's may be opened
// by extension pages.
document.getElementById('change-shortcut').addEventListener('click', () => {
  if (chrome.commands.openShortcutSettings) chrome.commands.openShortcutSettings();
  else chrome.tabs.create({url: 'chrome://extensions/shortcuts'});
});

localise();
form.apiUrl.placeholder = DEFAULT_SETTINGS.apiUrl;
fill();
showShortcut();

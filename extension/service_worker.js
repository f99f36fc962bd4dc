// The only place that talks to the API. Content scripts and the options page send typed messages
// ({kind: "check" | "classify" | "templates" | "health" | "retry" | "shortcut" | "event"}); one dispatcher answers
// each with {kind: "findings" | "classification" | "templates" | "health" | "offline" | "error" | "retrying" |
// "shortcut" | "event-sent"}.
// The browser's keyboard commands (the manifest's `commands`) go through the same dispatcher as {kind: "command"},
// which sends {kind: "command", command} on to the content script of the active tab; it answers {kind: "command-done"}. Chrome may stop this worker at any moment, so the
// back-off state lives in chrome.storage.session; variables only cache what storage holds.
// Reply texts are sent to the configured API and nowhere else, and are never logged.

import {loadSettings, normaliseApiUrl} from './settings.js';

const CHECK_TIMEOUT_MS = 5000;
const HEALTH_TIMEOUT_MS = 5000;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 60000;

const handlers = {check, classify, templates, health, retry, shortcut, command, event: postedReply};
const OPEN_FINDINGS = 'open-findings'; // the command that opens the findings from the reply box (manifest.json)
const CLASSIFY_TIMEOUT_MS = 3000;
const EVENT_TIMEOUT_MS = 5000;

// Read from storage once per worker start (and again after a change), not once per keystroke's check.
let settingsNow = null;
let backoffNow = null;
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' || area === 'managed') settingsNow = null;
  if (area === 'session') backoffNow = null;
});

function settings() {
  settingsNow = settingsNow || loadSettings();
  return settingsNow;
}

// The toolbar button opens the settings.
chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());

/** The one dispatcher: a typed message in, a typed answer out. */
async function dispatch(message) {
  const handler = handlers[message && message.kind];
  if (!handler) return {kind: 'error', message: `unknown message ${message && message.kind}`};
  try {
    return await handler(message);
  } catch (error) {
    return {kind: 'error', message: error.message};
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!handlers[message && message.kind] || sender.id !== chrome.runtime.id) return false;
  dispatch(message).then(sendResponse);
  return true; // the answer comes asynchronously
});

/** A keyboard command from the browser, for the tab it was pressed in (the active tab when none is given). */
function onCommand(name, tab) {
  return dispatch({kind: 'command', command: name, tabId: tab && tab.id});
}

chrome.commands.onCommand.addListener(onCommand);
// For the tests: a command shortcut can't be pressed reliably in a headless browser, so they call this directly.
globalThis.replyGuard = {dispatch, onCommand};

async function check({text, platform, context}) {
  const backoff = await currentBackoff();
  if (backoff && Date.now() < backoff.retryAt) {
    return {kind: 'offline', retryInMs: backoff.retryAt - Date.now()};
  }
  const {apiUrl, apiKey, language} = await settings();
  const body = {text, language, platform, context};
  let response;
  try {
    response = await fetch(`${apiUrl}/v1/check`, {
      method: 'POST',
      headers: headers(apiKey),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      credentials: 'omit',
    });
  } catch {
    return wentOffline(backoff);
  }
  if (response.status >= 500 || response.status === 429) return wentOffline(backoff); // down, or asks us to wait
  if (backoff) await chrome.storage.session.remove('backoff');
  const answer = await response.json().catch(() => null);
  if (!response.ok || !answer) {
    return {kind: 'error', status: response.status, message: errorMessage(answer, response.status)};
  }
  return {kind: 'findings', language: answer.language, verdict: answer.verdict, findings: answer.findings};
}

/** What kind of comment a text is (the delete reminder asks before a comment goes); offline when unreachable. */
async function classify({text}) {
  const {apiUrl, apiKey, language} = await settings();
  return askApi(`${apiUrl}/v1/classify`, {
    method: 'POST', headers: headers(apiKey), body: JSON.stringify({text, language}),
    signal: AbortSignal.timeout(CLASSIFY_TIMEOUT_MS), credentials: 'omit',
  }, (answer) => ({kind: 'classification', comment: answer.kind, anger: answer.anger, signals: answer.signals}));
}

/**
 * A reply was posted: its counts for the team's insight (POST /v1/events: the rules and severities found, whether the
 * person was asked first, when the answered comment was posted; no text). Sent once, never retried, and skipped while
 * the API is known to be down; the content script doesn't wait for it, so posting never does.
 */
async function postedReply({event}) {
  const backoff = await currentBackoff();
  if (backoff && Date.now() < backoff.retryAt) return {kind: 'offline'};
  const {apiUrl, apiKey} = await settings();
  return askApi(`${apiUrl}/v1/events`, {
    method: 'POST', headers: headers(apiKey), body: JSON.stringify(event),
    signal: AbortSignal.timeout(EVENT_TIMEOUT_MS), credentials: 'omit',
  }, () => ({kind: 'event-sent'}));
}

/** The playbook's reply templates in `language`, filled in with the organisation's settings by the API. */
async function templates({language}) {
  const {apiUrl, apiKey} = await settings();
  const query = new URLSearchParams({language});
  return askApi(`${apiUrl}/v1/templates?${query}`, {
    headers: headers(apiKey), signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), credentials: 'omit',
  }, (answer) => ({kind: 'templates', templates: answer.templates}));
}

/** One request that answers `toMessage(answer)`, an error message, or offline; it leaves the checks' back-off alone. */
async function askApi(url, options, toMessage) {
  let response;
  try {
    response = await fetch(url, options);
  } catch {
    return {kind: 'offline'};
  }
  if (response.status >= 500 || response.status === 429) return {kind: 'offline'};
  const answer = await response.json().catch(() => null);
  if (!response.ok || !answer) {
    return {kind: 'error', status: response.status, message: errorMessage(answer, response.status)};
  }
  return toMessage(answer);
}

/** Sends a keyboard command to the content script of the tab (its top frame, where the reply boxes are checked). */
async function command({command: name, tabId}) {
  let id = tabId;
  if (id === undefined) {
    const [active] = await chrome.tabs.query({active: true, lastFocusedWindow: true});
    id = active && active.id;
  }
  if (id === undefined) return {kind: 'error', message: 'no active tab'};
  try {
    return await chrome.tabs.sendMessage(id, {kind: 'command', command: name}, {frameId: 0});
  } catch {
    return {kind: 'command-done', handled: false}; // ReplyGuard doesn't run on that page
  }
}

/** The keys that open the findings now (the person may change them at chrome://extensions/shortcuts). */
async function shortcut() {
  const commands = await chrome.commands.getAll();
  const found = commands.find((candidate) => candidate.name === OPEN_FINDINGS);
  return {kind: 'shortcut', shortcut: (found && found.shortcut) || ''};
}

/** "Try again now" from an offline badge: forget the back-off so the next check goes straight to the API. */
async function retry() {
  await chrome.storage.session.remove('backoff');
  return {kind: 'retrying'};
}

/**
 * The API's health and rule count, for the options page's "test connection" (with the values typed there). The
 * health check needs no key, so the key is tried on the rule list, which does.
 */
async function health({apiUrl, apiKey}) {
  const saved = await settings();
  const base = apiUrl === undefined ? saved.apiUrl : normaliseApiUrl(apiUrl);
  if (!base) return {kind: 'error', message: 'The API URL must start with http:// or https://'};
  const options = {
    headers: headers(apiKey === undefined ? saved.apiKey : apiKey),
    signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    credentials: 'omit',
  };
  try {
    const response = await fetch(`${base}/v1/health`, options);
    const answer = await response.json().catch(() => null);
    if (!response.ok || !answer) {
      return {kind: 'error', status: response.status, message: errorMessage(answer, response.status)};
    }
    const withKey = await fetch(`${base}/v1/rules?language=en`, options);
    if (withKey.status === 401 || withKey.status === 403) {
      const refusal = await withKey.json().catch(() => null);
      return {kind: 'error', status: withKey.status, message: errorMessage(refusal, withKey.status)};
    }
    return {kind: 'health', status: answer.status, version: answer.version, rules: answer.rules};
  } catch (error) {
    return {kind: 'offline', message: error.name === 'TimeoutError' ? 'no answer within 5 seconds' : 'cannot reach the API'};
  }
}

function headers(apiKey) {
  const result = {'Content-Type': 'application/json'};
  if (apiKey) result.Authorization = `Bearer ${apiKey}`;
  return result;
}

function errorMessage(answer, status) {
  return (answer && answer.error && answer.error.message) || `the API answered with HTTP ${status}`;
}

function currentBackoff() {
  backoffNow = backoffNow || chrome.storage.session.get('backoff').then((stored) => stored.backoff || null);
  return backoffNow;
}

/** Waits twice as long after each failure in a row (1 s, 2 s, 4 s … at most a minute), shared by every tab. */
async function wentOffline(previous) {
  const failures = (previous ? previous.failures : 0) + 1;
  const retryInMs = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
  await chrome.storage.session.set({backoff: {failures, retryAt: Date.now() + retryInMs}});
  return {kind: 'offline', retryInMs};
}

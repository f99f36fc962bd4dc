// The only place that talks to the API. Content scripts and the options page send typed messages
// ({kind: "check" | "health"}); one dispatcher answers each with {kind: "findings" | "health" | "offline" | "error"}.
// Chrome may stop this worker at any moment, so the back-off state lives in chrome.storage.session, not in variables.
// Reply texts are sent to the configured API and nowhere else, and are never logged.

import {loadSettings, normaliseApiUrl} from './settings.js';

const CHECK_TIMEOUT_MS = 5000;
const HEALTH_TIMEOUT_MS = 5000;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 60000;

const handlers = {check, health, retry};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message && message.kind];
  if (!handler || sender.id !== chrome.runtime.id) return false;
  handler(message).then(sendResponse, (error) => sendResponse({kind: 'error', message: error.message}));
  return true; // the answer comes asynchronously
});

async function check({text, platform, context}) {
  const backoff = await currentBackoff();
  if (backoff && Date.now() < backoff.retryAt) {
    return {kind: 'offline', retryInMs: backoff.retryAt - Date.now()};
  }
  const settings = await loadSettings();
  const body = {text, language: settings.language, platform, context};
  let response;
  try {
    response = await fetch(`${settings.apiUrl}/v1/check`, {
      method: 'POST',
      headers: headers(settings.apiKey),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      credentials: 'omit',
    });
  } catch {
    return wentOffline(backoff);
  }
  if (response.status >= 500) return wentOffline(backoff);
  if (backoff) await chrome.storage.session.remove('backoff');
  const answer = await response.json().catch(() => null);
  if (!response.ok || !answer) {
    return {kind: 'error', status: response.status, message: errorMessage(answer, response.status)};
  }
  return {kind: 'findings', language: answer.language, verdict: answer.verdict, findings: answer.findings};
}

/** "Try again now" from an offline badge: forget the back-off so the next check goes straight to the API. */
async function retry() {
  await chrome.storage.session.remove('backoff');
  return {kind: 'retrying'};
}

/** The API's health and rule count, for the options page's "test connection" (with the values typed there). */
async function health({apiUrl, apiKey}) {
  const settings = await loadSettings();
  const base = apiUrl === undefined ? settings.apiUrl : normaliseApiUrl(apiUrl);
  if (!base) return {kind: 'error', message: 'The API URL must start with http:// or https://'};
  try {
    const response = await fetch(`${base}/v1/health`, {
      headers: headers(apiKey === undefined ? settings.apiKey : apiKey),
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
      credentials: 'omit',
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok || !answer) {
      return {kind: 'error', status: response.status, message: errorMessage(answer, response.status)};
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

async function currentBackoff() {
  return (await chrome.storage.session.get('backoff')).backoff || null;
}

/** Waits twice as long after each failure in a row (1 s, 2 s, 4 s … at most a minute), shared by every tab. */
async function wentOffline(previous) {
  const failures = (previous ? previous.failures : 0) + 1;
  const retryInMs = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
  await chrome.storage.session.set({backoff: {failures, retryAt: Date.now() + retryInMs}});
  return {kind: 'offline', retryInMs};
}

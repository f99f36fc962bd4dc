// The options page: API URL and key, reply language, on/off per site, and a connection test. An API outside the
// loopback addresses the extension may always reach is asked for as an optional host permission when saved.

import {DEFAULT_SETTINGS, loadSettings, normaliseApiUrl} from '../settings.js';

const form = document.getElementById('settings');
const status = document.getElementById('status');

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
}

/** Chrome lets the worker call the API only with a host permission for it; asking needs the Save click. */
async function mayReach(apiUrl) {
  const origins = [`${new URL(apiUrl).origin}/*`];
  return (await chrome.permissions.contains({origins})) || chrome.permissions.request({origins});
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const apiUrl = normaliseApiUrl(form.apiUrl.value);
  if (!apiUrl) {
    say('The API URL must start with http:// or https://', 'error');
    return;
  }
  if (!(await mayReach(apiUrl))) {
    say(`Not saved: ReplyGuard needs your permission to send replies to ${new URL(apiUrl).origin}.`, 'error');
    return;
  }
  await chrome.storage.local.set({
    apiUrl,
    apiKey: form.apiKey.value.trim(),
    language: form.language.value,
    sites: {facebook: form.facebook.checked, trustpilot: form.trustpilot.checked},
  });
  await chrome.runtime.sendMessage({kind: 'retry'}); // a new address deserves a fresh try
  form.apiUrl.value = apiUrl;
  say('Saved.', 'ok');
});

document.getElementById('test-connection').addEventListener('click', async () => {
  const apiUrl = normaliseApiUrl(form.apiUrl.value);
  if (!apiUrl) {
    say('The API URL must start with http:// or https://', 'error');
    return;
  }
  if (!(await mayReach(apiUrl))) {
    say(`ReplyGuard needs your permission to reach ${new URL(apiUrl).origin}.`, 'error');
    return;
  }
  say('Testing…', '');
  const answer = await chrome.runtime.sendMessage({kind: 'health', apiUrl, apiKey: form.apiKey.value.trim()});
  if (answer.kind === 'health') {
    say(`Connected: the API is ${answer.status}, version ${answer.version}, with ${answer.rules} rules.`, 'ok');
  } else if (answer.kind === 'offline') {
    say(`No connection to ${apiUrl}: ${answer.message}.`, 'error');
  } else {
    say(`The API at ${apiUrl} answered: ${answer.message}`, 'error');
  }
});

form.apiUrl.placeholder = DEFAULT_SETTINGS.apiUrl;
fill();

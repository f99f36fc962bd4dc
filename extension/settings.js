// The person's settings, kept in chrome.storage.local. Out of the box the extension talks to `make run`'s API.

export const DEFAULT_SETTINGS = Object.freeze({
  apiUrl: 'http://127.0.0.1:8000',
  apiKey: '',
  language: 'auto',
  sites: Object.freeze({facebook: true, trustpilot: true}),
});

export const LANGUAGES = ['auto', 'da', 'en'];

export async function loadSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULT_SETTINGS));
  return {...DEFAULT_SETTINGS, ...stored, sites: {...DEFAULT_SETTINGS.sites, ...stored.sites}};
}

/** The API's base URL without a trailing slash, or null when it isn't an http(s) URL. */
export function normaliseApiUrl(value) {
  let url;
  try {
    url = new URL(String(value).trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

// The person's settings, kept in chrome.storage.local, and those an administrator pushes to a whole team by policy.
// Out of the box the extension talks to `make run`'s API.

export const DEFAULT_SETTINGS = Object.freeze({
  apiUrl: 'http://127.0.0.1:8000',
  apiKey: '',
  language: 'auto',
  sites: Object.freeze({facebook: true, trustpilot: true}),
});

export const LANGUAGES = ['auto', 'da', 'en'];
const SETTING_NAMES = Object.keys(DEFAULT_SETTINGS);

/**
 * The settings in force: an administrator's (pushed by policy into chrome.storage.managed, see managed_schema.json)
 * over the person's own (chrome.storage.local) over the defaults. `managed` holds what the administrator set, which
 * the settings page shows but doesn't let anyone change.
 */
export async function loadSettings() {
  const [stored, managed] = await Promise.all([chrome.storage.local.get(SETTING_NAMES), managedSettings()]);
  return {
    ...DEFAULT_SETTINGS, ...stored, ...managed,
    sites: {...DEFAULT_SETTINGS.sites, ...stored.sites, ...managed.sites},
    managed,
  };
}

/** The settings a policy sets, checked; {} where the browser has no managed storage (Firefox without a policy). */
async function managedSettings() {
  let managed;
  try {
    managed = await chrome.storage.managed.get(SETTING_NAMES);
  } catch {
    return {};
  }
  // Chrome checks the policy against the schema; the URL is normalised here like one typed on the settings page,
  // and one that isn't http(s) is left out, so the person's own setting stays in force.
  if ('apiUrl' in managed) {
    const apiUrl = normaliseApiUrl(managed.apiUrl);
    if (apiUrl) managed.apiUrl = apiUrl;
    else delete managed.apiUrl;
  }
  return managed;
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

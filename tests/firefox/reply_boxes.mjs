// Staff writing replies in Firefox: Debian's firefox-esr with the extension's Firefox package, driven over WebDriver
// BiDi by puppeteer-core. tests/test_firefox_extension.py runs it with the test API started; the script acts as a
// person would and reports what they would see, and the test judges it against what reached the API.
//
// Input, a JSON file (argument 1): {firefox, extension, installedByPolicy, settings, proxyPort,
// pages: {url: [file, contentType]}, screenshots, replies: [{site: "facebook" | "trustpilot", url, text}]}.
// `extension` is the unpacked Firefox package, installed here unless the machine's Firefox policy force-installs it
// (installedByPolicy); `settings` go to the extension's chrome.storage.local.
// A conversation over standard input and output, one JSON object a line: after typing a reply the script says
// {"typed": text} and waits for {"badge": text}, the count the badge should end at (the test knows it once the API
// has had the check), then waits until the badge shows it, or for at most 10 seconds. At the end it says
// {"done": {addonId, replies: [{site, badge: {className, text, label}, underlined: {highlight: [text]}}],
// leftTheMachine: [url], locked: [field name], shortcutsPage: url}}.

import {readFileSync} from 'node:fs';
import {randomUUID} from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import {setTimeout as sleep} from 'node:timers/promises';
import puppeteer from 'puppeteer-core';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const lines = readline.createInterface({input: process.stdin});
const answers = lines[Symbol.asyncIterator]();
const manifest = JSON.parse(readFileSync(path.join(input.extension, 'manifest.json'), 'utf8'));
const addonId = manifest.browser_specific_settings.gecko.id;
const fixtureHosts = new Set(Object.keys(input.pages).map((url) => new URL(url).hostname));
// Firefox gives an extension a random moz-extension:// host per profile; fixing it lets the script open its pages.
const extensionHost = randomUUID();
// A badge that shows a finished check (not the templates button of an empty field), in ReplyGuard's shadow root.
const FINISHED_BADGE = '.badge:is(.error, .warning, .info, .clean, .offline):not([hidden])';

const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: input.firefox,
  headless: true,
  // Lets WebDriver BiDi open the extension's own pages (moz-extension://), where the settings are written.
  args: ['--remote-allow-system-access'],
  defaultViewport: {width: 900, height: 700},
  extraPrefsFirefox: {
    'extensions.webextensions.uuids': JSON.stringify({[addonId]: extensionHost}),
    // A package force-installed by policy is unsigned here (a team's is signed by addons.mozilla.org); Firefox ESR
    // lets a profile accept that.
    'xpinstall.signatures.required': !input.installedByPolicy,
    // What the fixtures don't answer goes to the test's proxy, which records it and connects nowhere. Loopback (the
    // test API) is never sent to a proxy.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': input.proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': input.proxyPort,
    // Firefox's own Remote Settings (the add-on blocklist and others) would sync from Mozilla: here they find
    // nothing, on loopback's discard port (Firefox takes this address only with the variable below).
    'services.settings.server': 'http://127.0.0.1:9/v1',
  },
  // Mozilla's own test setting: Firefox refuses every connection that isn't to this machine.
  env: {...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1'},
});
const leftTheMachine = [];
const replies = [];
let locked; // the fields of the settings page that a policy sets
let shortcutsPage; // the page "Change the shortcut" opened
try {
  if (!input.installedByPolicy) {
    const installed = await browser.installExtension(input.extension);
    if (installed !== addonId) throw new Error(`Firefox installed ${installed}, the manifest says ${addonId}`);
  }
  await writeSettings(input.settings);
  for (const reply of input.replies) replies.push(await write(reply));
} finally {
  await browser.close();
}
say({done: {addonId, replies, leftTheMachine, locked, shortcutsPage}});
lines.close(); // nothing more to ask: let Node end

function say(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function ask(message) {
  say(message);
  const {value} = await answers.next();
  return JSON.parse(value);
}

/** The extension's own settings (chrome.storage.local), written in its settings page as the Chromium tests do. */
async function writeSettings(settings) {
  const page = await browser.newPage();
  // puppeteer never hears that a moz-extension:// page finished loading, so the script asks the page itself (not
  // with waitForFunction, which the page's CSP blocks), and opens it again each second while Firefox is still
  // installing a policy's extension. A navigation's promise fails harmlessly when the next one starts.
  const ready = () => document.readyState === 'complete' && typeof chrome === 'object' && Boolean(chrome.storage);
  for (let tries = 0; !(await page.evaluate(ready).catch(() => false)); tries++) {
    if (tries === 200) throw new Error("the extension's settings page didn't open");
    if (tries % 20 === 0) page.goto(`moz-extension://${extensionHost}/options/options.html`).catch(() => {});
    await sleep(50);
  }
  // What the page shows locked: the settings a policy sets. It has filled in the form once the address is there.
  for (let tries = 0; tries < 100 && !(await page.$eval('#api-url', (field) => field.value)); tries++) await sleep(50);
  locked = await page.$$eval('#settings :disabled', (fields) => fields.map((field) => field.name));
  await page.evaluate((values) => chrome.storage.local.set(values), settings);
  // The settings page's "Change the shortcut" opens the browser's own page for extension shortcuts.
  await page.click('#change-shortcut');
  for (let tries = 0; tries < 100 && !shortcutsPage; tries++) {
    shortcutsPage = (await browser.pages()).map((opened) => opened.url()).find((url) => url.startsWith('about:addons'));
    await sleep(50);
  }
  await page.close();
}

/** Opens the reply box of the fixture page at reply.url, types reply.text, and reads what ReplyGuard shows. */
async function write(reply) {
  const page = await browser.newPage();
  await servePagesFromFixtures(page);
  await page.goto(reply.url);
  if (reply.site === 'facebook') {
    await page.click('.reply-link'); // the reply box is in the page only once "Reply" is clicked
    await page.click('[role=textbox][aria-label="Reply to Lone Jensen"]');
  } else {
    await page.click('#reply-6741a0c1');
  }
  await page.keyboard.type(reply.text);
  const {badge} = await ask({typed: reply.text});
  // Polled: waitForFunction's default listens for changes to the page's DOM, and the badge is in a shadow root.
  await page.waitForFunction((selector, count) => {
    const shown = document.querySelector('replyguard-ui')?.shadowRoot.querySelector(selector);
    return shown && shown.textContent === count;
  }, {polling: 50, timeout: 10000}, FINISHED_BADGE, badge).catch(() => {}); // the test judges what shows then
  const seen = {site: reply.site, ...(await page.evaluate(whatReplyGuardShows, FINISHED_BADGE))};
  await page.screenshot({path: path.join(input.screenshots, `firefox-${reply.site}.png`)});
  await page.close();
  return seen;
}

/** The badge, and the text under each underline: the CSS highlights (contenteditable) and the textarea mirror's. */
function whatReplyGuardShows(badgeSelector) {
  const root = document.querySelector('replyguard-ui')?.shadowRoot;
  const badge = root && root.querySelector(badgeSelector);
  const underlined = {};
  for (const [name, highlight] of CSS.highlights) underlined[name] = [...highlight].map((range) => range.toString());
  for (const span of root ? root.querySelectorAll('.mirror span') : []) {
    const name = `replyguard-${span.className}`;
    underlined[name] = [...(underlined[name] || []), span.textContent];
  }
  return {
    badge: badge && {className: badge.className, text: badge.textContent, label: badge.getAttribute('aria-label')},
    underlined,
  };
}

/** The fixture pages answer for facebook.com and trustpilot.com; any other request is recorded and refused. */
async function servePagesFromFixtures(page) {
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    const host = new URL(url).hostname;
    if (input.pages[url]) {
      const [file, contentType] = input.pages[url];
      request.respond({status: 200, contentType, body: readFileSync(file)});
    } else if (fixtureHosts.has(host)) {
      request.respond({status: 404, body: ''}); // the fixture sites' other addresses (their favicon)
    } else if (host === '127.0.0.1' || host === 'localhost') {
      request.continue();
    } else {
      leftTheMachine.push(url);
      request.abort();
    }
  });
}

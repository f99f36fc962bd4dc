// The insight dashboard: reads /v1/insights with the API key (in the Authorization header, never in an address) and
// draws three charts with Chart.js. Every text comes from the page's strings or the numbers; the server's words are
// set with textContent only. Series are told apart by line style and point shape as well as colour. The page says
// whose counts it shows; an owner key gets a team picker, which loads the page again with ?team=.
'use strict';

const STRINGS = JSON.parse(document.getElementById('strings').textContent);
const LANGUAGE = document.documentElement.lang;
const KEY_STORAGE = 'replyguard-dashboard-key'; // this tab only: sessionStorage ends with it
const TEAM = new URLSearchParams(window.location.search).get('team'); // null: the key's own team, or all for an owner
const numbers = new Intl.NumberFormat(LANGUAGE);
const percent = new Intl.NumberFormat(LANGUAGE, {style: 'percent', maximumFractionDigits: 1});
const dayLabel = new Intl.DateTimeFormat(LANGUAGE, {day: 'numeric', month: 'short', timeZone: 'UTC'});
const teamList = new Intl.ListFormat(LANGUAGE, {type: 'conjunction'});
const charts = {};
const $ = (id) => document.getElementById(id);

let key = sessionStorage.getItem(KEY_STORAGE) || '';

function say(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => values[name]);
}

const inMinutes = new Intl.NumberFormat(LANGUAGE, {style: 'unit', unit: 'minute', unitDisplay: 'long',
  maximumFractionDigits: 0});
const inHours = new Intl.NumberFormat(LANGUAGE, {style: 'unit', unit: 'hour', unitDisplay: 'long',
  maximumFractionDigits: 1});

/** A wait in words: "45 minutter", "3,5 timer" ("45 minutes", "3.5 hours"). */
function duration(minutes) {
  if (minutes === null) return '–';
  return minutes < 120 ? inMinutes.format(minutes) : inHours.format(minutes / 60);
}

function selectedDays() {
  return document.querySelector('input[name=days]:checked').value;
}

function authorization() {
  return key ? {Authorization: `Bearer ${key}`} : {};
}

async function fetchInsights(format) {
  const query = new URLSearchParams({days: selectedDays(), language: LANGUAGE, format});
  if (TEAM !== null) query.set('team', TEAM);
  return fetch(`/v1/insights?${query}`, {headers: authorization(), credentials: 'omit', cache: 'no-store'});
}

/** Shows the numbers, or the key form when the API wants a key, or what went wrong. */
async function load() {
  $('status').textContent = STRINGS.loading;
  let response;
  try {
    response = await fetchInsights('json');
  } catch {
    $('status').textContent = STRINGS.unreachable;
    return;
  }
  if (response.status === 401) {
    const refused = Boolean(key);
    key = '';
    sessionStorage.removeItem(KEY_STORAGE);
    $('report').hidden = true;
    $('key-form').hidden = false;
    $('status').textContent = refused ? STRINGS.keyRefused : '';
    $('key').focus();
    return;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok || !answer) {
    $('key-form').hidden = true;
    $('report').hidden = true;
    if (response.status === 404) $('status').textContent = STRINGS.countingOff;
    else if (TEAM !== null && response.status === 403) $('status').textContent = STRINGS.teamRefused;
    else if (TEAM !== null && response.status === 400) $('status').textContent = STRINGS.teamUnknown;
    else $('status').textContent = (answer && answer.error && answer.error.message) || STRINGS.unreachable;
    return;
  }
  $('key-form').hidden = true;
  $('status').textContent = '';
  $('report').hidden = false;
  draw(answer);
}

function draw(report) {
  showTeams(report);
  const {totals} = report;
  const empty = totals.checked === 0 && totals.posted === 0;
  $('no-data').hidden = !empty;
  $('charts').hidden = empty;
  if (empty) return;
  drawVolume(report);
  drawRules(report.rules);
  drawWaits(report);
}

/** Whose counts these are, and for an owner key (the only one with teams to choose between) the team picker. */
function showTeams(report) {
  const {teams, team_choices: choices} = report;
  if (teams.length === 1) $('team-shown').textContent = say(STRINGS.teamOne, {team: teams[0]});
  else if (teams.length) $('team-shown').textContent = say(STRINGS.teamAll, {teams: teamList.format(teams)});
  else $('team-shown').textContent = ''; // an API without keys: its counts aren't split by team
  $('team-form').hidden = choices.length < 2;
  const select = $('team');
  const listed = [...select.options].slice(1).map((option) => option.value);
  if (listed.join('\n') === choices.join('\n')) return; // a new period: the team someone has picked stays picked
  const every = select.options[0];
  select.replaceChildren(every, ...choices.map((team) => {
    const option = document.createElement('option');
    option.value = team;
    option.textContent = team;
    return option;
  }));
  select.value = choices.includes(TEAM) ? TEAM : '';
}

function figure(label, value) {
  const item = document.createElement('div');
  const term = document.createElement('dt');
  const number = document.createElement('dd');
  term.textContent = label;
  number.textContent = value;
  item.append(term, number);
  return item;
}

function drawVolume(report) {
  const {totals, daily} = report;
  $('volume-figures').replaceChildren(
    figure(STRINGS.checked, numbers.format(totals.checked)),
    figure(STRINGS.posted, numbers.format(totals.posted)),
    figure(STRINGS.postedDespiteError, totals.posted ? percent.format(totals.posted_despite_error_share) : '–'));
  const lines = [totals.posted
    ? say(STRINGS.shareDespiteError, {share: percent.format(totals.posted_despite_error_share)})
    : STRINGS.noPosts];
  if (totals.posted_after_question) {
    lines.push(say(STRINGS.afterQuestion, {count: numbers.format(totals.posted_after_question)}));
  }
  $('volume-share').textContent = lines.join(' ');

  const labels = daily.map((day) => dayLabel.format(new Date(`${day.day}T00:00:00Z`)));
  const series = [
    {label: STRINGS.checked, key: 'checked', color: '#0b5cad', dash: [], point: 'circle'},
    {label: STRINGS.posted, key: 'posted', color: '#1a7f37', dash: [8, 4], point: 'triangle'},
    {label: STRINGS.postedDespiteError, key: 'posted_despite_error', color: '#b42318', dash: [2, 3], point: 'rectRot'},
  ];
  chart('volume-chart', {
    type: 'line',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label, data: daily.map((day) => day[s.key]), borderColor: s.color, backgroundColor: s.color,
        borderDash: s.dash, pointStyle: s.point, pointRadius: 4, borderWidth: 2,
      })),
    },
    options: {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}},
  });

  const table = $('volume-table');
  const head = row('th', [STRINGS.day, ...series.map((s) => s.label)]);
  table.replaceChildren(head, ...daily.map((day, index) =>
    row('td', [labels[index], ...series.map((s) => numbers.format(day[s.key]))])));
}

function row(cell, values) {
  const tr = document.createElement('tr');
  tr.append(...values.map((value) => {
    const element = document.createElement(cell);
    element.textContent = value;
    return element;
  }));
  return tr;
}

function drawRules(rules) {
  const top = rules.slice(0, 10);
  const list = $('rules-list');
  if (!top.length) {
    const none = document.createElement('li');
    none.textContent = STRINGS.noRules;
    list.replaceChildren(none);
  } else {
    list.replaceChildren(...top.map((rule) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = playbookLink(rule.url);
      link.textContent = rule.title;
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = ` – ${say(STRINGS.found, {count: numbers.format(rule.found_in_checks),
        posted: numbers.format(rule.found_in_posted)})}`;
      item.append(link, count);
      if (rule.kinds.length) {  // the kinds of dig or dodge found most often: what to coach the team on
        const kinds = document.createElement('span');
        kinds.className = 'kinds';
        kinds.textContent = say(STRINGS.kinds, {kinds: rule.kinds.slice(0, 3)
          .map((kind) => `${kind.title} (${say(STRINGS.found, {count: numbers.format(kind.found_in_checks),
            posted: numbers.format(kind.found_in_posted)})})`).join('; ')});
        item.append(kinds);
      }
      return item;
    }));
  }
  chart('rules-chart', {
    type: 'bar',
    data: {
      labels: top.map((rule) => rule.title),
      datasets: [{label: STRINGS.rulesChart, data: top.map((rule) => rule.found_in_checks),
        backgroundColor: '#0b5cad', borderColor: '#0b5cad'}],
    },
    options: {
      indexAxis: 'y',
      plugins: {legend: {display: false}},
      scales: {x: {beginAtZero: true, ticks: {precision: 0}}},
      // A bar opens its rule's page in the playbook, as the list's links do.
      onClick: (event, elements) => {
        if (elements.length) window.location.assign(playbookLink(top[elements[0].index].url));
      },
    },
  });
}

/** Only web addresses become links: a rule's url is the playbook's page. */
function playbookLink(url) {
  return /^https?:\/\//.test(url) ? url : '#';
}

function drawWaits(report) {
  const target = report.target_minutes;
  $('wait-intro').textContent = say(STRINGS.waitIntro, {target: duration(target)});
  const container = $('waits');
  for (const name of Object.keys(charts)) {
    if (name.startsWith('wait-')) {
      charts[name].destroy();
      delete charts[name];
    }
  }
  if (!report.waits.length) {
    const none = document.createElement('p');
    none.textContent = STRINGS.noWaits;
    container.replaceChildren(none);
    return;
  }
  container.replaceChildren(...report.waits.map((platform) => {
    const part = document.createElement('div');
    const heading = document.createElement('h3');
    heading.textContent = STRINGS.platforms[platform.platform] || platform.platform;
    const summary = document.createElement('ul');
    summary.append(...[
      `${STRINGS.median}: ${duration(platform.median_minutes)}`,
      `${STRINGS.p90}: ${duration(platform.p90_minutes)}`,
      say(STRINGS.withinTarget, {within: numbers.format(platform.within_target),
        answered: numbers.format(platform.answered)}),
    ].map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }));
    const box = document.createElement('div');
    box.className = 'chart';
    const canvas = document.createElement('canvas');
    canvas.id = `wait-${platform.platform}`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${heading.textContent}: ${STRINGS.chartWait}`);
    box.append(canvas);
    part.append(heading, summary, box);
    return part;
  }));
  for (const platform of report.waits) {
    const labels = platform.daily.map((day) => dayLabel.format(new Date(`${day.day}T00:00:00Z`)));
    chart(`wait-${platform.platform}`, {
      type: 'line',
      data: {
        labels,
        datasets: [
          {label: STRINGS.median, data: platform.daily.map((day) => day.median_minutes), borderColor: '#0b5cad',
            backgroundColor: '#0b5cad', pointStyle: 'circle', pointRadius: 4, spanGaps: true},
          {label: STRINGS.p90, data: platform.daily.map((day) => day.p90_minutes), borderColor: '#8250df',
            backgroundColor: '#8250df', borderDash: [8, 4], pointStyle: 'triangle', pointRadius: 4, spanGaps: true},
          {label: STRINGS.target, data: platform.daily.map(() => target), borderColor: '#b42318',
            backgroundColor: '#b42318', borderDash: [2, 3], pointStyle: 'line', pointRadius: 0},
        ],
      },
      options: {scales: {y: {beginAtZero: true, title: {display: true, text: STRINGS.minutesAxis}}}},
    });
  }
}

function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  config.options = {
    ...config.options, responsive: true, maintainAspectRatio: false, animation: false,
    plugins: {legend: {labels: {usePointStyle: true}}, ...(config.options.plugins || {})},
  };
  charts[id] = new Chart(document.getElementById(id), config);
}

async function download() {
  const response = await fetchInsights('csv').catch(() => null);
  if (!response || !response.ok) {
    $('status').textContent = STRINGS.unreachable;
    return;
  }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = `replyguard-insights-${selectedDays()}d.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  key = $('key').value.trim();
  $('key').value = '';
  sessionStorage.setItem(KEY_STORAGE, key);
  load();
});
$('team-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const address = new URL(window.location.href);
  if ($('team').value) address.searchParams.set('team', $('team').value);
  else address.searchParams.delete('team');
  address.searchParams.set('days', selectedDays()); // the period chosen stays chosen for the other team
  window.location.assign(address);
});
const daysAsked = new URLSearchParams(window.location.search).get('days');
const daysChoice = [...document.querySelectorAll('input[name=days]')].find((choice) => choice.value === daysAsked);
if (daysChoice) daysChoice.checked = true;
for (const choice of document.querySelectorAll('input[name=days]')) choice.addEventListener('change', load);
$('download').addEventListener('click', download);
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
load();

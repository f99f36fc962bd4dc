"""The insight dashboard at /dashboard/: the team's counts as charts, for the playbook's owner, in Danish or English.

The page and its files hold no data and are open; the page asks for an API key (unless the API answers it without
one, on its own machine), keeps it in the tab's session storage, and sends it to /v1/insights in the Authorization
header, never in an address. Every text the page shows comes from STRINGS here, set with textContent. The page says
whose counts it shows (each key is one team); for an owner key (several teams to choose from) it offers a team
picker, which loads the page again with ?team=, so a team's view can be bookmarked.
"""

from importlib.resources import files

from flask import Blueprint, abort, make_response, render_template, request, send_from_directory

from ..settings import LANGUAGES

FOLDER = str(files("replyguard").joinpath("dashboard"))
# The page's own files and the chart library it ships (no CDN), with the library's licences.
FILES = frozenset({"dashboard.js", "dashboard.css", "chart.umd.min.js", "chart.js-LICENSE.md",
                   "kurkle-color-LICENSE.md"})
# Scripts and styles from this server only: the strings travel as JSON data, which is never run.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")

bp = Blueprint("dashboard", __name__, template_folder=FOLDER)

STRINGS = {
    "da": {
        "title": "Overblik for teamet",
        "intro": "Hvad ReplyGuard finder i teamets svar, hvad der bliver sendt, og hvor længe klagerne venter på svar. "
                 "Kun tal: Ingen tekster, navne eller kunder bliver gemt.",
        "otherLanguage": "English",
        "keyLabel": "API-nøgle",
        "keyHelp": "Den samme nøgle, som udvidelsen bruger. Den bliver kun husket i denne fane.",
        "keyButton": "Vis tallene",
        "keyRefused": "Nøglen blev ikke godkendt. Tjek, at du har skrevet den rigtigt.",
        "unreachable": "Tallene kan ikke hentes lige nu. Prøv igen om lidt.",
        "countingOff": "Optællingen er slået fra i indstillingerne (enabled = false under [insights]), så der er "
                       "ingen tal at vise.",
        "period": "Periode",
        "days": "Seneste {days} dage",
        "teamOne": "Tallene gælder teamet {team}.",
        "teamAll": "Tallene gælder alle teams: {teams}.",
        "teamLabel": "Team",
        "teamEvery": "Alle teams",
        "teamButton": "Vis tallene",
        "teamRefused": "Nøglen viser kun tallene for sit eget team. Fjern ?team= fra adressen for at se dem.",
        "teamUnknown": "Der er intet team med det id. Fjern ?team= fra adressen, og vælg teamet på listen.",
        "download": "Hent tallene som CSV",
        "loading": "Henter tallene …",
        "noData": "Der er ingen tal endnu for perioden. Tallene kommer, når teamet tjekker og sender svar med "
                  "ReplyGuard.",
        "volumeHeading": "Svar tjekket og sendt",
        "checked": "Tjekket",
        "posted": "Sendt",
        "postedDespiteError": "Sendt trods fejl",
        "shareDespiteError": "{share} af de sendte svar blev sendt trods en fejl.",
        "noPosts": "Ingen svar er sendt gennem udvidelsen i perioden.",
        "afterQuestion": "{count} blev sendt, efter at ReplyGuard havde spurgt, om svaret skulle sendes alligevel.",
        "rulesHeading": "Reglerne, teamet oftest falder over",
        "rulesChart": "Antal fund pr. regel i de tjekkede svar",
        "found": "{count} fund, {posted} i sendte svar",
        "kinds": "Oftest: {kinds}",
        "noRules": "Ingen regler er slået ud i perioden.",
        "waitHeading": "Hvor længe klagerne ventede på svar",
        "waitIntro": "Tiden fra kundens klage til teamets svar, målt når tråden viser, hvornår klagen blev skrevet. "
                     "Svartiden i håndbogen er {target}.",
        "median": "Median",
        "p90": "90 % besvaret inden for",
        "target": "Svartid",
        "withinTarget": "{within} af {answered} klager fik svar inden for svartiden.",
        "noWaits": "Ingen besvarede klager med kendt tidspunkt i perioden.",
        "minutesAxis": "Minutter",
        "table": "Tallene som tabel",
        "day": "Dag",
        "chartVolume": "Linjediagram: svar tjekket, sendt og sendt trods fejl pr. dag",
        "chartWait": "Linjediagram: median og 90 %-grænse for ventetiden pr. dag, med svartiden som vandret linje",
        "platforms": {"facebook": "Facebook", "trustpilot": "Trustpilot", "other": "Andre steder"},
    },
    "en": {
        "title": "Team overview",
        "intro": "What ReplyGuard finds in the team's replies, what gets posted, and how long complaints wait for an "
                 "answer. Counts only: no text, name or customer is kept.",
        "otherLanguage": "Dansk",
        "keyLabel": "API key",
        "keyHelp": "The same key the extension uses. It is remembered in this tab only.",
        "keyButton": "Show the numbers",
        "keyRefused": "The key was not accepted. Check that it is typed correctly.",
        "unreachable": "The numbers can't be fetched right now. Try again in a moment.",
        "countingOff": "Counting is switched off in the settings (enabled = false under [insights]), so there are no "
                       "numbers to show.",
        "period": "Period",
        "days": "Last {days} days",
        "teamOne": "These numbers are for the team {team}.",
        "teamAll": "These numbers are for all teams: {teams}.",
        "teamLabel": "Team",
        "teamEvery": "All teams",
        "teamButton": "Show the numbers",
        "teamRefused": "This key shows only its own team's numbers. Remove ?team= from the address to see them.",
        "teamUnknown": "There is no team with that id. Remove ?team= from the address and choose the team in the list.",
        "download": "Download the numbers as CSV",
        "loading": "Fetching the numbers …",
        "noData": "There are no numbers for this period yet. They appear once the team checks and posts replies "
                  "with ReplyGuard.",
        "volumeHeading": "Replies checked and posted",
        "checked": "Checked",
        "posted": "Posted",
        "postedDespiteError": "Posted despite an error",
        "shareDespiteError": "{share} of the replies posted had an error when they were posted.",
        "noPosts": "No replies were posted through the extension in this period.",
        "afterQuestion": "{count} were posted after ReplyGuard asked whether to post anyway.",
        "rulesHeading": "The rules the team trips over most",
        "rulesChart": "Findings per rule in the replies checked",
        "found": "{count} findings, {posted} in posted replies",
        "kinds": "Most often: {kinds}",
        "noRules": "No rule was tripped in this period.",
        "waitHeading": "How long complaints waited for an answer",
        "waitIntro": "The time from the customer's complaint to the team's reply, measured when the thread shows when "
                     "the complaint was written. The playbook's response time is {target}.",
        "median": "Median",
        "p90": "90% answered within",
        "target": "Response time",
        "withinTarget": "{within} of {answered} complaints were answered within the response time.",
        "noWaits": "No answered complaints with a known time in this period.",
        "minutesAxis": "Minutes",
        "table": "The numbers as a table",
        "day": "Day",
        "chartVolume": "Line chart: replies checked, posted and posted despite an error per day",
        "chartWait": "Line chart: the median wait and the 90% mark per day, with the response time as a flat line",
        "platforms": {"facebook": "Facebook", "trustpilot": "Trustpilot", "other": "Elsewhere"},
    },
}


@bp.get("/dashboard/")
def page():
    language = request.args.get("lang", request.accept_languages.best_match(LANGUAGES, default="da"))
    if language not in LANGUAGES:
        abort(400, f"query parameter 'lang' must be one of {', '.join(LANGUAGES)}")
    response = make_response(render_template("dashboard.html", language=language, strings=STRINGS[language]))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/dashboard/<name>")
def dashboard_file(name: str):
    if name not in FILES:
        abort(404, "no such file of the dashboard")
    return send_from_directory(FOLDER, name)

"""The stored daily counts turned into what the team's owner reads: checks and posts per day, the rules most often
found (with the kinds of dig or dodge found most often, for what to coach), and how long answered complaints had
waited (median and 90th percentile per platform, against the target)."""

from collections import defaultdict
from datetime import date, timedelta

from .store import WAIT_BUCKETS_MINUTES, Row

VERDICTS = ("ok", "review", "block")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def first_day(days: int, until: date) -> date:
    return until - timedelta(days=days - 1)


def build_report(rows: list[tuple[Row, int]], days: int, until: date, target_minutes: float, rule_info,
                 kind_title) -> dict:
    """`rows`: the stored rows from first_day(days, until) on; `rule_info(rule_id)`: its (title, url);
    `kind_title(rule_id, kind)`: the name of a kind of dig or dodge."""
    start = first_day(days, until)
    all_days = [(start + timedelta(days=offset)).isoformat() for offset in range(days)]
    daily = {day: {"day": day, "checked": 0, "posted": 0, "posted_despite_error": 0} for day in all_days}
    verdicts = dict.fromkeys(VERDICTS, 0)
    posted_after_question = 0
    rules: dict[str, dict] = {}
    kinds: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # checks, posted
    waits: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))

    for row, count in rows:
        if row.day not in daily:
            continue
        if row.event == "checked":
            daily[row.day]["checked"] += count
            verdicts[row.label] = verdicts.get(row.label, 0) + count
        elif row.event == "posted":
            daily[row.day]["posted"] += count
            if row.label == "block":
                daily[row.day]["posted_despite_error"] += count
        elif row.event == "posted_after_question":
            posted_after_question += count
        elif row.event in ("finding", "posted_finding"):
            rule = rules.setdefault(row.label, {"rule": row.label, "severity": row.severity,
                                                "found_in_checks": 0, "found_in_posted": 0})
            rule["found_in_checks" if row.event == "finding" else "found_in_posted"] += count
            if SEVERITY_RANK.get(row.severity, 9) < SEVERITY_RANK.get(rule["severity"], 9):
                rule["severity"] = row.severity
        elif row.event in ("finding_kind", "posted_finding_kind"):
            rule_id, _, kind = row.label.partition("/")
            kinds[rule_id][kind][row.event == "posted_finding_kind"] += count
        elif row.event == "answer_wait":
            waits[row.platform][row.day][row.label] += count

    for rule in rules.values():
        rule["title"], rule["url"] = rule_info(rule["rule"])
        found = kinds.get(rule["rule"], {})
        rule["kinds"] = [{"kind": kind, "title": kind_title(rule["rule"], kind), "found_in_checks": checks,
                          "found_in_posted": posted}
                         for kind, (checks, posted) in sorted(found.items(), key=lambda item: (-item[1][0], -item[1][1],
                                                                                                item[0]))]
    posted = sum(day["posted"] for day in daily.values())
    despite = sum(day["posted_despite_error"] for day in daily.values())
    return {
        "days": days,
        "from": start.isoformat(),
        "to": until.isoformat(),
        "target_minutes": target_minutes,
        "totals": {
            "checked": sum(day["checked"] for day in daily.values()),
            "posted": posted,
            "posted_despite_error": despite,
            "posted_despite_error_share": round(despite / posted, 4) if posted else None,
            "posted_after_question": posted_after_question,
        },
        "verdicts": verdicts,
        "daily": list(daily.values()),
        "rules": sorted(rules.values(), key=lambda r: (-r["found_in_checks"], -r["found_in_posted"], r["rule"])),
        "waits": [_platform_waits(platform, by_day, all_days, target_minutes)
                  for platform, by_day in sorted(waits.items())],
    }


def _platform_waits(platform: str, by_day: dict, all_days: list[str], target_minutes: float) -> dict:
    together: dict[str, int] = defaultdict(int)
    for buckets in by_day.values():
        for label, count in buckets.items():
            together[label] += count
    answered = sum(together.values())
    within = sum(count for label, count in together.items() if label != "inf" and float(label) <= target_minutes)
    return {
        "platform": platform,
        "answered": answered,
        "within_target": within,
        "median_minutes": quantile(together, 0.5),
        "p90_minutes": quantile(together, 0.9),
        "daily": [{"day": day, "answered": sum(by_day.get(day, {}).values()),
                   "median_minutes": quantile(by_day.get(day, {}), 0.5),
                   "p90_minutes": quantile(by_day.get(day, {}), 0.9)} for day in all_days],
    }


def quantile(buckets: dict[str, int], q: float) -> float | None:
    """The q-quantile of waits counted in buckets, interpolated linearly inside its bucket as Prometheus'
    histogram_quantile does; a quantile in the last, open bucket is that bucket's lower bound. None: no answers."""
    total = sum(buckets.values())
    if not total:
        return None
    rank = q * total
    seen, lower = 0, 0.0
    for bound in WAIT_BUCKETS_MINUTES:
        count = buckets.get(str(bound), 0)
        if count and seen + count >= rank:
            return round(lower + (bound - lower) * (rank - seen) / count, 1)
        seen += count
        lower = float(bound)
    return float(WAIT_BUCKETS_MINUTES[-1])

"""The goal verdicts of bench/scale.py: pure functions over the figures of a run, so the
rules that keep the bench honest are tested on their own (tests/test_bench_verdicts.py).

- A goal is met only on data: a figure nobody measured is "no data", a miss.
- A step that failed reports every goal it was to measure as "failed (<exception type>)".
- The waiting line's places: every kind of change must have been timed (a kind with no
  chatter at its new place is no data), and a single wrong place is a miss, whatever the
  times of the others.
- Several runs give each figure's median, with every run's figure beside it; the median is
  met only if every run measured it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

# issue 21's goals: the bound, whether the figure must be at least (True) or at most it
BOUNDS: dict[str, tuple[float, bool]] = {
    "a_p99": (1.25, False), "a_saturated": (0.8, True),
    "b_p50": (2.0, False), "b_p99": (25.0, False), "b_p99_line": (25.0, False),
    "b_places": (1.0, False), "c_join": (50.0, False), "d_kb": (50.0, False),
    "e_two": (1.6, True), "f_light": (2.0, False), "f_load": (5.0, False),
}
CHANGE_KINDS = ("duty", "back", "leave")  # bench/line_model.js's kinds of line change
KIND_WORDS = {"duty": "a therapist came on duty", "back": "a chat was transferred back",
              "leave": "the front chatter left"}


@dataclass
class Figure:
    """One goal's figure from a run: a value, or None with why (no data, or a failure)."""

    key: str  # a BOUNDS key, or "" for a figure printed without a goal
    label: str  # "(a)" ... "(f)", or "" for a second line of the same goal
    text: str
    value: float | None
    unit: str = ""
    digits: int = 1
    detail: str = ""
    failed: str | None = None  # the exception type of the step that was to measure it
    wrong: int = 0  # places: chatters left at a wrong place (any is a miss)
    missing: list[str] = field(default_factory=list)  # places: kinds of change with no data
    runs: list[float | None] = field(default_factory=list)  # several runs: each one's value


def verdict(fig: Figure) -> tuple[bool, str]:
    """(met, the outcome as printed). Met only on data that meets the bound."""
    if fig.failed:
        return False, f"failed ({fig.failed})"
    if fig.missing:
        return False, "no data after: " + ", ".join(KIND_WORDS.get(k, k) for k in fig.missing)
    if fig.value is None:
        return False, "no data (a miss)"
    if not fig.key:
        return False, "no goal to meet"
    bound, at_least = BOUNDS[fig.key]
    if fig.wrong:
        return False, f"missed ({fig.wrong} wrong places)"
    if fig.runs and any(v is None for v in fig.runs):
        return False, f"no data in {sum(v is None for v in fig.runs)} of {len(fig.runs)} runs"
    met = fig.value >= bound if at_least else fig.value <= bound
    if met:
        return True, "met"
    if at_least:
        return False, f"missed ({fig.value / bound:.2f} of the goal)"
    return False, f"missed ({fig.value / bound:.2f}x the goal)"


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def line(fig: Figure) -> str:
    """The goal's printed line: figure, goal, outcome (and each run's figure)."""
    if not fig.key:
        return f"  {fig.label:<4}{fig.text} {fmt(fig.value, fig.unit, fig.digits)}" + (
            f" ({fig.detail.rstrip('; ')})" if fig.detail else "")
    bound, at_least = BOUNDS[fig.key]
    runs = ""
    if len(fig.runs) > 1:
        runs = "; runs " + ", ".join(fmt(v, "", fig.digits) for v in fig.runs)
    sign = ">=" if at_least else "<="
    name = "median " if len(fig.runs) > 1 else ""
    return (f"  {fig.label:<4}{fig.text} {name}{fmt(fig.value, fig.unit, fig.digits)} "
            f"({fig.detail}goal {sign} {bound:g}{fig.unit}{runs}): {verdict(fig)[1]}")


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def places(changes: list[dict]) -> dict:
    """The waiting line over a step's changes (bench/line_model.js tally, with median_ms and
    max_ms): the worst time of each kind, wrong places, kinds with no data."""
    by_kind: dict[str, dict] = {}
    for kind in CHANGE_KINDS:
        mine = [c for c in changes if c["kind"] == kind]
        maxes = [c["max_ms"] for c in mine if c.get("reached") and c.get("max_ms") is not None]
        medians = [c["median_ms"] for c in mine
                   if c.get("reached") and c.get("median_ms") is not None]
        by_kind[kind] = {"changes": len(mine), "max_ms": max(maxes) if maxes else None,
                         "median_ms": statistics.median(medians) if medians else None,
                         "wrong": sum(c["wrong"] for c in mine),
                         "expected": sum(c["expected"] for c in mine),
                         "assigned": sum(c.get("assigned", 0) for c in mine)}
    missing = [k for k, v in by_kind.items() if v["max_ms"] is None]
    worst = [v["max_ms"] for v in by_kind.values() if v["max_ms"] is not None]
    return {"by_kind": by_kind, "missing": missing,
            "max_s": max(worst) / 1000 if worst else None,
            "wrong": sum(v["wrong"] for v in by_kind.values())}


def figures(steps: list[dict], failed: str | None, other: dict | None = None,
            quiet_others: dict | None = None) -> list[Figure]:
    """Every goal's figure from one run: this bench's own steps (b, c, d; `failed` is the
    exception type that ended them early, None when they all ran) and, with --goals, the
    other runs (`other`: name -> {"steps": [...], "failed": type or None})."""
    live = [s for s in steps if s["phase"] == "live"]
    waiting = [s for s in steps if s["phase"] == "waiting"]
    quiet = [s for s in steps if s["phase"] == "quiet"]
    out: list[Figure] = []
    if other is not None:
        out += relay_figures(other, live, waiting, failed)
    top = live[-1] if live else None
    relay = top["relay"] if top else {}
    size = f" at {top['live']} live chats" if top else ""
    out += [Figure("b_p50", "(b)", f"relay p50{size}", relay.get("p50_ms"), " ms",
                   failed=None if top else failed),
            Figure("b_p99", "", f"relay p99{size}", relay.get("p99_ms"), " ms",
                   failed=None if top else failed),
            Figure("c_join", "(c)", f"join -> assigned p99{size}",
                   top.get("join_p99_ms") if top else None, " ms",
                   detail=f"{top.get('joins', 0)} probes; " if top else "",
                   failed=None if top else failed)]
    last = waiting[-1] if waiting else None
    if last or failed:
        lrelay = last["relay"] if last else {}
        placed = places(last.get("changes", [])) if last else {"missing": [], "max_s": None,
                                                               "wrong": 0}
        what = (f" with {last['live']} live + {last['waiting']} waiting, the line moving"
                if last else " with the waiting line")
        out += [Figure("b_p99_line", "(b)", "relay p99" + what, lrelay.get("p99_ms"), " ms",
                       detail=f"p50 {fmt(lrelay.get('p50_ms'), ' ms')}; " if last else "",
                       failed=None if last else failed),
                Figure("b_places", "", "every waiting chatter has its new place within",
                       placed["max_s"], " s", 2, failed=None if last else failed,
                       wrong=placed["wrong"], missing=placed["missing"] if last else [],
                       detail=places_detail(placed) if last else ""),
                Figure("d_kb", "(d)", "RSS per idle waiting socket (traffic paused)",
                       last.get("kb_per_socket") if last else None, " KB", 0,
                       failed=None if last else failed)]
    if quiet:
        q = quiet[-1]
        out.append(Figure("", "(b)", f"idle server CPU, {q.get('sockets', '?')} sockets, no "
                          "traffic", q["cpu"].get("server"), "%", 0,
                          detail=idle_detail(quiet_others)))
    elif failed:
        out.append(Figure("", "(b)", "idle server CPU", None, "%", 0,
                          detail=f"failed ({failed})"))
    return sorted(out, key=lambda f: f.key[:1] or f.label[1:2])  # (a) to (f), stable


def places_detail(placed: dict) -> str:
    parts = []
    for kind, v in placed["by_kind"].items():
        if v["changes"]:
            parts.append(f"{kind} {fmt(v['max_ms'] and v['max_ms'] / 1000, ' s', 2)}")
    return ("worst after " + ", ".join(parts) + f"; wrong {placed['wrong']}; ") if parts else ""


def idle_detail(quiet_others: dict | None) -> str:
    if not quiet_others:
        return ""
    return "; ".join(f"{name} {fmt(cpu, '%', 0)} with {sockets} sockets"
                     for name, (cpu, sockets) in quiet_others.items())


def step_of(run: dict | None, phase: str) -> dict | None:
    """The last step of a phase in a sub-run's figures (None: it has none)."""
    steps = [s for s in (run or {}).get("steps", []) if s["phase"] == phase]
    return steps[-1] if steps else None


def failure(*runs: dict | None) -> str | None:
    """The first failure among the runs a figure needs (their exception types)."""
    for run in runs:
        if run is None:
            return "not run"
        if run.get("failed"):
            return run["failed"]
    return None


def relay_figures(other: dict, live: list[dict], waiting: list[dict],
                  failed: str | None) -> list[Figure]:
    """Goals (a), (e) and (f): each stack driven by the same Node generator."""
    out = []

    def p(run, phase):
        step = step_of(other.get(run), phase)
        return step["relay"].get("p99_ms") if step else None

    def rate(run):
        step = step_of(other.get(run), "live")
        relay = step["relay"] if step else {}
        return relay["delivered"] / relay["seconds"] if relay.get("seconds") else None

    prod, bare = p("light_product", "live"), p("light_bare", "live")
    light = step_of(other.get("light_product"), "live")
    pairs = f"{light['live']} pairs" if light else "pairs"
    fail = failure(other.get("light_product"), other.get("light_bare"))
    out.append(Figure("a_p99", "(a)", f"relay p99 against the bare relay, {pairs} x 1 msg/s",
                      ratio(prod, bare), "x", 2, f"{fmt(prod, ' ms')} / {fmt(bare, ' ms')}; ",
                      failed=fail if ratio(prod, bare) is None else None))
    prod_rate, bare_rate = rate("saturated_product"), rate("saturated_bare")
    fail = failure(other.get("saturated_product"), other.get("saturated_bare"))
    out.append(Figure("a_saturated", "", "saturated throughput against the bare relay",
                      ratio(prod_rate, bare_rate), "x", 2,
                      f"{fmt(prod_rate, ' msg/s', 0)} / {fmt(bare_rate, ' msg/s', 0)}, closed "
                      "loop; ", failed=fail if ratio(prod_rate, bare_rate) is None else None))
    one, two = rate("one"), rate("two")
    fail = failure(other.get("one"), other.get("two"))
    out.append(Figure("e_two", "(e)", "2 processes against 1 through nginx, closed loop",
                      ratio(two, one), "x", 2,
                      f"{fmt(two, ' msg/s', 0)} / {fmt(one, ' msg/s', 0)}; ",
                      failed=fail if ratio(two, one) is None else None))
    node = p("light_node", "live")
    fail = failure(other.get("light_product"), other.get("light_node"))
    out.append(Figure("f_light", "(f)", f"relay p99 against Node socket.io, {pairs} x 1 msg/s",
                      ratio(prod, node), "x", 2, f"{fmt(prod, ' ms')} / {fmt(node, ' ms')}; ",
                      failed=fail if ratio(prod, node) is None else None))
    node_load = p("load_node", "waiting") or p("load_node", "live")
    top = waiting[-1] if waiting else live[-1] if live else None
    mine = top["relay"].get("p99_ms") if top else None
    size = (f"{top['live']} live + {top.get('sockets_added', 0)} waiting sockets" if waiting
            else f"{top['live']} live" if top else "(b)'s load")
    fail = failure(other.get("load_node")) or (failed if mine is None else None)
    out.append(Figure("f_load", "", f"relay p99 against Node socket.io at {size}",
                      ratio(mine, node_load), "x", 2,
                      f"{fmt(mine, ' ms')} / {fmt(node_load, ' ms')}; ",
                      failed=fail if ratio(mine, node_load) is None else None))
    return out


def median_figures(runs: list[list[Figure]]) -> list[Figure]:
    """Each figure's median over several runs (the first run's lines, in order), with every
    run's value kept: a failure or missing data in any run stays visible."""
    if len(runs) == 1:
        return runs[0]
    out = []
    for first in runs[0]:
        same = [next((f for f in run if (f.key, f.label) == (first.key, first.label)),
                     replace(first, value=None, failed="not measured")) for run in runs]
        values = [f.value for f in same]
        known = [v for v in values if v is not None]
        failed = next((f.failed for f in same if f.failed), None)
        missing = sorted({k for f in same for k in f.missing})
        out.append(replace(first, value=statistics.median(known) if known else None,
                           detail=f"run 1: {first.detail}" if first.detail else "",
                           runs=values, failed=failed, missing=missing,
                           wrong=sum(f.wrong for f in same)))
    return out

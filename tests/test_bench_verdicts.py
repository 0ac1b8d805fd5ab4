"""bench/scale.py's goal verdicts (bench/verdicts.py): a goal is met only on data, a failed
step is reported with its exception type, the line's places need every kind of change and
no wrong place, and several runs give medians that keep every run's gaps visible."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import verdicts  # noqa: E402
from verdicts import Figure, figures, median_figures, places, verdict  # noqa: E402

pytestmark = pytest.mark.once  # no database, no Redis: the same in both halves


def change(kind, reached=10, max_ms=300.0, wrong=0, assigned=0):
    return {"kind": kind, "expected": reached + wrong, "reached": reached, "wrong": wrong,
            "assigned": assigned, "median_ms": max_ms / 2 if reached else None,
            "max_ms": max_ms if reached else None}


def live(p50=1.5, p99=20.0, join=30.0, live=250):
    return {"phase": "live", "live": live, "waiting": 0, "joins": 5, "join_p50_ms": join / 2,
            "join_p99_ms": join, "relay": {"p50_ms": p50, "p99_ms": p99, "delivered": 10,
                                           "seconds": 1, "lost": 0, "errors": {}},
            "cpu": {"server": 10.0}}


def waiting(changes, kb=45.0):
    return {"phase": "waiting", "live": 250, "waiting": 100, "changes": changes,
            "kb_per_socket": kb, "relay": {"p50_ms": 1.0, "p99_ms": 20.0},
            "cpu": {"server": 20.0}}


def by_key(figs):
    return {f.key or f.label: f for f in figs}


def test_no_data_is_a_miss():
    met, text = verdict(Figure("b_places", "", "places", None, " s"))
    assert not met and text == "no data (a miss)"


def test_met_only_within_the_bound():
    assert verdict(Figure("b_p99", "", "p99", 25.0, " ms")) == (True, "met")
    assert verdict(Figure("b_p99", "", "p99", 50.0, " ms")) == (False, "missed (2.00x the goal)")
    assert verdict(Figure("a_saturated", "", "x", 0.4)) == (False, "missed (0.50 of the goal)")


def test_no_chatter_at_its_place_is_no_data_not_all_within_zero():
    # the old bench printed "all within 0.00 s (goal met)" here, beside 19 wrong places
    steps = [live(), waiting([change(k, reached=0, wrong=19) for k in verdicts.CHANGE_KINDS])]
    fig = by_key(figures(steps, None))["b_places"]
    assert fig.value is None
    met, text = verdict(fig)
    assert not met and text.startswith("no data after:")


def test_a_wrong_place_is_a_miss_whatever_the_times():
    steps = [live(), waiting([change("duty"), change("back"), change("leave", wrong=1)])]
    fig = by_key(figures(steps, None))["b_places"]
    assert fig.value == 0.3
    assert verdict(fig) == (False, "missed (1 wrong places)")


def test_every_kind_of_change_must_be_timed():
    placed = places([change("leave"), change("duty")])
    assert placed["missing"] == ["back"]
    steps = [live(), waiting([change("leave"), change("duty")])]
    met, text = verdict(by_key(figures(steps, None))["b_places"])
    assert not met and "transferred back" in text
    steps = [live(), waiting([change(k) for k in verdicts.CHANGE_KINDS])]
    assert verdict(by_key(figures(steps, None))["b_places"]) == (True, "met")


def test_assigned_chatters_are_not_waiting_nor_wrong():
    # two chatters a therapist took meanwhile: not expected, not wrong, places still met
    placed = places([change("duty", assigned=2), change("back"), change("leave")])
    assert placed["wrong"] == 0
    assert placed["by_kind"]["duty"]["assigned"] == 2
    assert placed["by_kind"]["duty"]["expected"] == 10


def test_a_failed_step_is_reported_with_its_exception_type():
    # the waiting step failed: the live figures stand, the rest say why they are missing
    figs = by_key(figures([live()], "TimeoutError"))
    assert verdict(figs["b_p99"]) == (True, "met")
    for key in ("b_p99_line", "b_places", "d_kb"):
        assert verdict(figs[key]) == (False, "failed (TimeoutError)")
    assert "failed (TimeoutError)" in verdicts.line(figs["b_places"])


def test_a_failed_goal_run_does_not_hide_the_others():
    ok = {"steps": [live(p99=4.0, live=100)], "failed": None}
    bare = {"steps": [live(p99=2.0, live=100)], "failed": None}
    other = {"light_product": ok, "light_bare": bare,
             "light_node": {"steps": [], "failed": "ConnectionError"},
             "saturated_product": {"steps": [], "failed": "exit status 1, no figures"}}
    figs = by_key(figures([live()], None, other))
    assert figs["a_p99"].value == 2.0
    assert verdict(figs["f_light"]) == (False, "failed (ConnectionError)")
    assert verdict(figs["a_saturated"])[1] == "failed (exit status 1, no figures)"
    assert verdict(figs["e_two"]) == (False, "failed (not run)")


def test_median_of_runs_keeps_each_run_and_a_gap_is_a_miss():
    runs = [[Figure("b_p99", "(b)", "p99", v, " ms")] for v in (10.0, 30.0, 20.0)]
    fig = median_figures(runs)[0]
    assert fig.value == 20.0 and fig.runs == [10.0, 30.0, 20.0]
    assert verdict(fig) == (True, "met")
    assert "runs 10.0, 30.0, 20.0" in verdicts.line(fig)
    runs[1] = [Figure("b_p99", "(b)", "p99", None, " ms", failed="TimeoutError")]
    assert verdict(median_figures(runs)[0]) == (False, "failed (TimeoutError)")
    runs[1] = []
    assert verdict(median_figures(runs)[0]) == (False, "failed (not measured)")


def test_goals_block_is_printed_after_failed_runs(monkeypatch, capsys):
    # bench/scale.py --goals: the own steps failed in the waiting step, a goal run left no
    # figures; the block still comes, every goal saying what happened to it
    import scale

    monkeypatch.setattr(scale.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(scale, "measure",
                        lambda args: ([live()], "load generator Error in wait:40"))
    monkeypatch.setattr(scale, "other_goal_runs", lambda args: {
        "light_product": {"steps": [], "failed": "exit status 1, no figures"}})
    assert scale.main(["--live", "20", "--waiting", "40", "--goals"]) == 0
    out = capsys.readouterr().out
    assert "== goals" in out
    assert "within - (goal <= 1 s): failed (load generator Error in wait:40)" in out
    assert "against the bare relay, pairs x 1 msg/s - (" in out
    assert "): failed (exit status 1, no figures)" in out
    assert "(goal <= 25 ms): met" in out  # the live step's figures stand

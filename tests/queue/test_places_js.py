"""The chat page's own arithmetic (static/js/chat/places.js, run in node) gives the very
figures the server would: the waits of helpline/queue/estimate.py over a grid of inputs,
and the new places of queue/moves.py's breakpoints. A page on protocol 2 shows what it
computes, so any difference would be a wrong place or wait on a chatter's screen."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from helpline.queue import broadcast, estimate, moves, snapshot

ROOT = Path(__file__).resolve().parents[2]
PLACES = ROOT / "static" / "js" / "chat" / "places.js"
RUN = """
import { readFileSync } from 'node:fs';
const m = await import(process.argv[2]);
const cases = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify({
  waits: cases.waits.map(([pos, p]) => [m.waitMinutes(pos, p), m.waitSpan(pos, p)]),
  infos: cases.infos.map(([pos, packet]) => m.lineInfo(pos, packet)),
  moved: cases.moved.map(([found, place]) => m.movedPlace(found, place)),
}));
"""


def in_node(tmp_path: Path, cases: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "run.mjs"
    script.write_text(RUN)
    done = subprocess.run([node, str(script), PLACES.as_uri()], input=json.dumps(cases),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def durations_grid() -> list[list[float]]:
    """No history, one chat, and recent chats of whole seconds (as Redis keeps them)."""
    rnd = random.Random(21)
    lists = [[], [600.0], [1.0], [90.0, 91.0, 7.0]]
    lists += [[float(rnd.randint(30, 7200)) for _ in range(rnd.randint(1, 20))] for _ in range(12)]
    return lists


def inputs_grid() -> list[estimate.Inputs]:
    return [estimate.Inputs.of(free, capacity, durations, default)
            for durations in durations_grid() for default in (30, 7)
            for capacity in (0, 1, 2, 3, 7, 12) for free in range(min(capacity, 4) + 1)]


def test_the_page_computes_the_servers_waits_for_every_input(tmp_path):
    grid = [(position, inputs) for inputs in inputs_grid() for position in range(1, 41)]
    assert len(grid) > 20_000
    # as a packet carries them: through JSON
    cases = {"waits": [[p, json.loads(json.dumps(asdict(i)))] for p, i in grid],
             "infos": [], "moved": []}
    got = in_node(tmp_path, cases)["waits"]
    expected = [[estimate.wait_minutes(p, i), estimate.wait_range(p, i)] for p, i in grid]
    assert got == expected


def test_the_page_computes_the_position_event_from_a_packet(tmp_path):
    """lineInfo(place, packet) is what the server's own `position` event would say."""
    old = snapshot.Snapshot(3, tuple("abcdefgh"), estimate.Inputs(1, 2, 30.0, False), True)
    cases: dict = {"waits": [], "infos": [], "moved": []}
    expected = []
    for inputs in inputs_grid()[::7]:
        for is_open in (True, False):
            step = snapshot.following(old, list("bcdefgh"), inputs, is_open)
            packet = json.loads(json.dumps(step.packet))
            for place in range(1, 8):
                cases["infos"].append([place, packet])
                expected.append(broadcast.place_info(place, inputs, is_open))
    assert in_node(tmp_path, cases)["infos"] == expected


def test_the_page_applies_breakpoints_as_the_server_computed_them(tmp_path):
    rnd = random.Random(7)
    cases: dict = {"waits": [], "infos": [], "moved": []}
    expected = []
    for _ in range(200):
        old = [f"c{i}" for i in range(rnd.randint(1, 30))]
        new = [c for c in old if rnd.random() > 0.25]
        if rnd.random() < 0.1:
            rnd.shuffle(new)  # now and then any order at all
        new = [f"back{i}" for i in range(rnd.randint(0, 2))] + new + ["joined"]
        found = moves.breakpoints(old, new)
        for place, chat_id in enumerate(old, 1):
            if chat_id in new:
                cases["moved"].append([found, place])
                expected.append(new.index(chat_id) + 1)
    assert in_node(tmp_path, cases)["moved"] == expected

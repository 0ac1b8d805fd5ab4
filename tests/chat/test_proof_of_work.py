"""The proof of work before `start` (helpline/chat/proofofwork.py): no, a wrong, an expired or a
reused solution is refused; a refused start is counted as missed only after a solved
challenge; the difficulty rises while the line is full or under a flood."""

from __future__ import annotations

import base64
import time

from sqlalchemy import func, select

from helpline.availability.models import MissedContact
from helpline.chat import proofofwork
from helpline.extensions import db

NS = "/chat"


def challenge(app) -> dict:
    response = app.test_client().get("/challenge")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response.json


def start(client, data):
    return client.emit("start", data, namespace=NS, callback=True)


def missed_count(ctx) -> int:
    with ctx():
        return db.session.scalar(select(func.count()).select_from(MissedContact))


def test_a_challenge_is_signed_expiring_and_solvable(app):
    got = challenge(app)
    assert set(got) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert got["algorithm"] == "SHA-256" and got["maxnumber"] == app.config["POW_MAX_NUMBER"]
    assert "expires=" in got["salt"]
    solution = proofofwork.solve(got)
    assert 0 <= solution["number"] <= got["maxnumber"]


def test_start_without_a_solution_is_refused(chatter, r):
    answer = start(chatter(), {"pow": None})
    assert answer["ok"] is False and answer["code"] == "pow_required"
    assert r.zcard("hl:line") == 0


def test_a_wrong_number_or_forged_signature_is_refused(app, chatter, r):
    good = proofofwork.solve(challenge(app))
    wrong = {**good, "number": good["number"] + 1}
    assert start(chatter(), {"pow": wrong})["code"] == "pow_invalid"
    forged = {**proofofwork.solve(challenge(app)), "signature": "0" * 64}
    assert start(chatter(), {"pow": forged})["code"] == "pow_invalid"
    for odd in ({**good, "number": "1"}, {**good, "extra": 1}, "text", [good],
                {**good, "algorithm": "SHA-1"}):
        assert start(chatter(), {"pow": odd})["code"] in ("pow_invalid", "pow_required")
    assert r.zcard("hl:line") == 0


def test_a_solution_opens_one_start_only(app, chatter, r):
    solution = proofofwork.solve(challenge(app))
    first = start(chatter(), {"pow": solution})
    assert first["ok"] is True
    again = start(chatter(), {"pow": solution})
    assert again["ok"] is False and again["code"] == "pow_invalid"
    assert r.zcard("hl:line") == 1


def test_an_expired_challenge_is_refused(app, chatter):
    import altcha

    with app.app_context():
        old = altcha.create_challenge_v1(max_number=10, hmac_key=proofofwork._hmac_key(),
                                         params={"expires": str(int(time.time()) - 5),
                                                 "size": "10"})
    solution = proofofwork.solve({"algorithm": old.algorithm, "challenge": old.challenge,
                                  "salt": old.salt, "maxnumber": 10,
                                  "signature": old.signature})
    assert start(chatter(), {"pow": solution})["code"] == "pow_invalid"


def test_refused_starts_without_a_solved_challenge_are_not_counted(app, chatter, ctx):
    app.config["MAX_LINE_LENGTH"] = 1
    assert start(chatter(), {})["ok"] is True  # the line is full now
    for _ in range(5):
        assert start(chatter(), {"pow": None})["code"] == "pow_required"
    assert missed_count(ctx) == 0
    refused = start(chatter(), {})  # with a solved challenge: a real contact turned away
    assert refused["code"] == "at_capacity"
    assert missed_count(ctx) == 1


def test_difficulty_rises_while_the_line_is_full(app, chatter):
    app.config["MAX_LINE_LENGTH"] = 1
    assert challenge(app)["maxnumber"] == app.config["POW_MAX_NUMBER"]
    assert start(chatter(), {})["ok"] is True
    assert challenge(app)["maxnumber"] == app.config["POW_MAX_NUMBER_RAISED"]


def test_difficulty_rises_under_a_flood_of_solved_starts(app, chatter):
    app.config["POW_FLOOD_STARTS"] = 3
    sizes = [challenge(app)["maxnumber"] for _ in range(10)]
    assert set(sizes) == {app.config["POW_MAX_NUMBER"]}  # fetching alone raises nothing
    for _ in range(3):
        assert start(chatter(), {})["ok"] is True
    assert challenge(app)["maxnumber"] == app.config["POW_MAX_NUMBER_RAISED"]


def test_the_browser_solver_agrees_with_the_server(app, tmp_path):
    """static/js/pow-worker.js (run in node) finds the number the server hid."""
    import json
    import shutil
    import subprocess

    import pytest

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    app.config["POW_MAX_NUMBER"] = 5000
    got = challenge(app)
    script = tmp_path / "solve.js"
    script.write_text(
        "global.self = {};\n"
        f"const m = require({json.dumps(str(app.root_path) + '/../static/js/pow-worker.js')});\n"
        "console.log(m.solve(JSON.parse(process.argv[2])));\n")
    out = subprocess.run([node, str(script), json.dumps(got)], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert int(out) == proofofwork.solve(got)["number"]


def test_the_challenge_is_plain_base16_and_query_text(app):
    """What a client hashes is ASCII: the salt is hex plus `?expires=<unix time>&size=<n>&`."""
    got = challenge(app)
    nonce, _, query = got["salt"].partition("?")
    assert base64.b16decode(nonce.upper()) and query.startswith("expires=")
    assert f"&size={got['maxnumber']}&" in query and query.endswith("&")


def test_challenges_past_the_process_ceiling_get_429_with_retry_after(app):
    """CHALLENGES_PER_SECOND (a burst of twice that): a fetch flood is answered at once."""
    app.config["CHALLENGES_PER_SECOND"] = 1
    http = app.test_client()
    began = time.monotonic()
    answers = [http.get("/challenge") for _ in range(10)]
    elapsed = time.monotonic() - began  # a deadline for the bound below, not a timing test
    served = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(served) + len(refused) == 10
    assert len(served) <= 2 + int(elapsed) + 1 and refused
    assert refused[0].headers["Retry-After"] == "1"
    assert refused[0].json["code"] == "rate_limited"
    assert refused[0].headers["Cache-Control"] == "no-store"

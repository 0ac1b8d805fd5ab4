"""Issue 7: one-time passwords, the password policy, two-factor sign-in, throttling."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from helpline import audit
from helpline.admin import accounts
from helpline.auth import passwords, totp_keys
from helpline.extensions import db, socketio
from helpline.records.models import Staff
from tests import totp
from tests.conftest import PASSWORD, sign_in

NEW = "plum kettle orbit violin"


def login(http, username, password=PASSWORD):
    return http.post("/staff/login", data={"username": username, "password": password})


def staff_row(ctx, username):
    with ctx():
        return db.session.scalar(db.select(Staff).where(Staff.username == username))


@pytest.mark.parametrize("password,role", [
    ("aaaaaaaaaa", "therapist"), ("aaaaaaaaaaaaaaaa", "therapist"),
    ("123456789012", "therapist"), ("qwerty123456", "therapist"),
    ("eleven char", "therapist"), ("fourteen chars", "supervisor"),
    ("abcabcabcabcabc", "therapist"), ("x" * 129, "therapist"), ("my name is anna!", "therapist"),
])
def test_policy_refuses(app, password, role):
    with app.app_context(), pytest.raises(passwords.PasswordRejected):
        passwords.check_policy(password, role, "anna")


@pytest.mark.parametrize("password", [
    "iloveyou1234", "p@ssw0rd2024!", "P@ssw0rd!2345", "wachtwoord2024", "Motdepasse!!!!",
    "!!Jennifer1234",
])
def test_policy_refuses_common_passwords_with_characters_added_or_swapped(app, password):
    with app.app_context(), pytest.raises(passwords.PasswordRejected, match="common password"):
        passwords.check_policy(password, "therapist", "anna")


@pytest.mark.parametrize("password", ["johnsmith1980", "stopitnow2026", "helpline2026!"])
def test_policy_refuses_what_zxcvbn_guesses_easily(app, password):
    """Long enough and on no list, but a name and a year, or the helpline's own name."""
    with app.app_context(), pytest.raises(passwords.PasswordRejected, match="too easy to guess"):
        passwords.check_policy(password, "therapist", "anna")
    app.config["PASSWORD_MIN_SCORE"] = 0
    with app.app_context():
        passwords.check_policy(password, "therapist", "anna")


def test_the_policy_messages_are_translated(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}), \
            pytest.raises(passwords.PasswordRejected) as refused:
        passwords.check_policy("iloveyou1234", "therapist", "anna")
    assert "wachtwoord" in str(refused.value)


def test_policy_accepts_long_uncommon_passwords(app):
    with app.app_context():
        passwords.check_policy(PASSWORD, "supervisor", "anna")
        passwords.check_policy("twelve chars", "therapist", "anna")


def test_cli_applies_the_policy_and_makes_the_password_one_time(app, ctx):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "ben", "--password", "aaaaaaaaaa"])
    assert weak.exit_code != 0 and "at least 12" in weak.output
    made = runner.invoke(args=["users", "create", "ben", "--password", "lantern meadow copper"])
    assert made.exit_code == 0, made.output
    assert staff_row(ctx, "ben").must_change_password


def test_one_time_password_must_be_replaced_before_anything(app, ctx):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "create", "ben"]).output
    one_time = re.search(r"one-time password: (\S+)", out).group(1)
    http = app.test_client()
    response = login(http, "ben", one_time)
    assert response.status_code == 302 and "/staff/password" in response.headers["Location"]
    assert http.get("/staff/").status_code == 302  # no page,
    sock = socketio.test_client(app, namespace="/staff", flask_test_client=http)
    assert not sock.is_connected("/staff")  # no socket
    short = http.post("/staff/password", data={"new": "short", "repeat": "short"})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    done = http.post("/staff/password", data={"new": NEW, "repeat": NEW})
    assert done.status_code == 302 and http.get("/staff/").status_code == 200
    assert not staff_row(ctx, "ben").must_change_password
    assert login(app.test_client(), "ben", one_time).status_code == 401


def test_reset_password_is_one_time(app, make_staff, ctx):
    anna = make_staff("anna")
    with ctx():
        _, one_time = accounts.reset_password(db.session, anna.id)
    response = login(app.test_client(), "anna", one_time)
    assert "/staff/password" in response.headers["Location"]


def test_change_own_password_needs_the_current_one(app, make_staff, ctx):
    make_staff("anna")
    http = app.test_client()
    login(http, "anna")
    wrong = http.post("/staff/password", data={"current": "nope", "new": NEW, "repeat": NEW})
    assert wrong.status_code == 400 and "current password is wrong" in wrong.get_data(as_text=True)
    ok = http.post("/staff/password", data={"current": PASSWORD, "new": NEW, "repeat": NEW})
    assert ok.status_code == 302 and http.get("/staff/").status_code == 200
    assert login(app.test_client(), "anna", NEW).status_code == 302
    with ctx():
        assert [r["action"] for r in audit.latest(db.session)] == ["staff_password_change"]


def test_supervisor_enrols_at_first_sign_in_then_needs_a_code(app, make_staff, ctx, clock):
    make_staff("sam", role="supervisor", two_factor=False)
    http = app.test_client()
    assert "/staff/two-factor" in login(http, "sam").headers["Location"]
    assert http.get("/staff/").status_code == 302
    page = http.get("/staff/two-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert http.post("/staff/two-factor", data={"code": "000000"}).status_code == 400
    enrol_code = pyotp.TOTP(secret).at(clock())
    shown = http.post("/staff/two-factor", data={"code": enrol_code})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.get_data(as_text=True))
    assert len(codes) == 10
    assert http.post("/staff/login/continue").status_code == 302
    assert http.get("/staff/").status_code == 200
    row = staff_row(ctx, "sam")
    assert codes[0] not in (row.recovery_codes or "")
    assert secret not in row.totp_secret  # encrypted at rest (tests/admin/test_totp_keys.py)
    with ctx():
        assert totp_keys.decrypt(row.totp_secret) == secret

    again = app.test_client()
    assert "/staff/login/code" in login(again, "sam").headers["Location"]
    assert again.get("/staff/").status_code == 302
    reused = again.post("/staff/login/code", data={"code": enrol_code})
    assert reused.status_code == 401  # spent at enrolment (even if a new 30-s step began)
    assert again.post("/staff/login/code", data={"code": codes[0]}).status_code == 302
    assert again.get("/staff/").status_code == 200
    third = app.test_client()
    login(third, "sam")
    assert third.post("/staff/login/code", data={"code": codes[0]}).status_code == 401
    with ctx():
        actions = [r["action"] for r in audit.latest(db.session)]
    assert "staff_2fa_enrol" in actions and "staff_recovery_code_used" in actions


def test_therapists_may_go_without_and_supervisors_reset_a_second_factor(app, make_staff, ctx):
    anna = make_staff("anna", two_factor=True)
    make_staff("sam", role="supervisor")
    assert make_staff("ben").id  # no second factor: signs in with the password only
    assert login(app.test_client(), "ben").headers["Location"].endswith("/staff/")
    sup = app.test_client()
    assert sign_in(sup, "sam").status_code == 302
    assert sup.post(f"/staff/accounts/{anna.id}/two-factor").status_code == 302
    assert staff_row(ctx, "anna").totp_secret is None
    assert login(app.test_client(), "anna").headers["Location"].endswith("/staff/")
    with ctx():
        assert [r["action"] for r in audit.latest(db.session)] == ["staff_2fa_reset"]


def test_every_staff_event_stops_a_deactivated_account(app, make_staff, staff_socket, ctx):
    anna = make_staff("anna")
    sock = staff_socket(anna)
    with ctx():
        accounts.deactivate(db.session, "anna")  # SQL only: no sign-out through Redis
    ack = sock.emit("colleagues", {}, namespace="/staff", callback=True)
    assert ack["code"] == "not_signed_in"
    assert not sock.is_connected("/staff")


def test_hashing_runs_off_the_gevent_loop(tmp_path):
    """Under gevent a verification runs in another OS thread at a lower CPU priority
    (the event loop goes first); without gevent inline."""
    import subprocess
    import sys

    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "from helpline.auth import passwords\n"
        "ident = monkey.get_original('_thread', 'get_ident')\n"
        "print(passwords._run(False, ident) != ident())\n"
        "import os\n"
        "tid = monkey.get_original('threading', 'get_native_id')\n"
        "print(passwords._run(False, lambda: os.getpriority(os.PRIO_PROCESS, tid())))\n"
        "print(passwords.verify(passwords.DUMMY_HASH, 'not-a-real-password'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(Path(__file__).resolve().parents[2]), timeout=60)
    assert out.stdout.split() == ["True", str(passwords.HASH_NICENESS), "True"], out.stderr[-2000:]
    import threading

    assert passwords._run(False, threading.get_ident) == threading.get_ident()


def test_the_password_alone_cannot_replace_a_one_time_password_before_the_code(app, make_staff,
                                                                              ctx, clock):
    sam = make_staff("sam", role="supervisor")
    with ctx():
        _, one_time = accounts.reset_password(db.session, sam.id)
    http = app.test_client()
    assert "/staff/login/code" in login(http, "sam", one_time).headers["Location"]
    early = http.post("/staff/password", data={"new": NEW, "repeat": NEW})
    assert early.status_code == 302 and "/staff/login" in early.headers["Location"]
    assert staff_row(ctx, "sam").must_change_password
    code = http.post("/staff/login/code", data={"code": totp.next_code("sam", clock)})
    assert "/staff/password" in code.headers["Location"]
    assert http.post("/staff/password", data={"new": NEW, "repeat": NEW}).status_code == 302
    assert http.get("/staff/").status_code == 200


def test_first_run_password_goes_to_an_owner_only_file_in_production(app, tmp_path, monkeypatch):
    from helpline.server.setup import first_password_note

    assert "abc-one-time" in first_password_note(app, "abc-one-time")  # development prints it
    monkeypatch.setenv("HELPLINE_ENV", "production")
    app.instance_path = str(tmp_path)
    note = first_password_note(app, "abc-one-time")
    written = tmp_path / "first-run-password"
    assert "abc-one-time" not in note and str(written) in note
    assert written.read_text().strip() == "abc-one-time"
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(FileExistsError):  # written once, never over an existing file
        first_password_note(app, "another")


def test_first_supervisor_chooses_a_password_then_enrols(app, ctx, clock):
    from helpline.server.setup import ensure_first_supervisor

    with ctx():
        one_time = ensure_first_supervisor()
    http = app.test_client()
    assert "/staff/password" in login(http, "supervisor", one_time).headers["Location"]
    twelve = "plum kettle!"  # long enough for a therapist, not for a supervisor
    assert "at least 15" in http.post("/staff/password", data={
        "new": twelve, "repeat": twelve}).get_data(as_text=True)
    chosen = http.post("/staff/password", data={"new": NEW, "repeat": NEW})
    assert "/staff/two-factor" in chosen.headers["Location"]
    assert http.get("/staff/").status_code == 302
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>',
                       http.get("/staff/two-factor").get_data(as_text=True)).group(1)
    http.post("/staff/two-factor", data={"code": pyotp.TOTP(secret).at(clock())})
    assert http.post("/staff/login/continue").headers["Location"].endswith("/staff/")
    assert http.get("/staff/").status_code == 200


def test_a_therapist_turns_two_factor_on_renews_codes_and_turns_it_off(app, make_staff, ctx,
                                                                        clock):
    make_staff("anna")
    http = app.test_client()
    login(http, "anna")
    assert "Set up two-factor sign-in" in http.get("/staff/account").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>',
                       http.get("/staff/two-factor").get_data(as_text=True)).group(1)
    first = http.post("/staff/two-factor", data={"code": pyotp.TOTP(secret).at(clock())})
    old = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", first.get_data(as_text=True))
    assert "Recovery codes left: 10" in http.get("/staff/account").get_data(as_text=True)
    assert http.post("/staff/two-factor/recovery-codes",
                     data={"current": "wrong"}).status_code == 302
    renewed = http.post("/staff/two-factor/recovery-codes", data={"current": PASSWORD})
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", renewed.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert http.post("/staff/two-factor/off", data={"current": PASSWORD}).status_code == 302
    assert staff_row(ctx, "anna").totp_secret is None
    with ctx():
        actions = [r["action"] for r in audit.latest(db.session)]
    assert actions == ["staff_2fa_off", "staff_recovery_codes_renewed", "staff_2fa_enrol"]


def test_each_step_signs_in_once_and_the_window_is_one_step_either_side(app, make_staff,
                                                                         clock):
    """Three sign-ins in a row need three steps: the clock moves on, nobody waits for it."""
    make_staff("sam", role="supervisor")
    app.config["LOGIN_FREE_FAILURES"] = 10  # the refused codes below are not throttled

    def second_step():
        http = app.test_client()
        assert login(http, "sam").headers["Location"].endswith("/staff/login/code")
        return lambda code: http.post("/staff/login/code", data={"code": code})

    codes = []
    for _ in range(3):
        codes.append(totp.next_code("sam", clock))
        assert second_step()(codes[-1]).headers["Location"].endswith("/staff/")
    assert len(set(codes)) == 3
    for code in codes:  # each one is spent
        assert second_step()(code).status_code == 401
    step, otp = int(clock() // 30), pyotp.TOTP(totp.SECRET)
    assert codes[-1] == otp.generate_otp(step)  # the clock was moved to the third one's step
    enter = second_step()
    assert enter(otp.generate_otp(step + 2)).status_code == 401  # beyond the window
    assert enter(otp.generate_otp(step + 1)).headers["Location"].endswith("/staff/")


def test_a_supervisor_cannot_turn_two_factor_off(app, make_staff, ctx):
    make_staff("sam", role="supervisor")
    http = app.test_client()
    sign_in(http, "sam")
    http.post("/staff/two-factor/off", data={"current": PASSWORD})
    with ctx():
        assert totp_keys.decrypt(staff_row(ctx, "sam").totp_secret) == totp.SECRET


def test_every_audit_action_has_a_name_on_the_overview():
    from helpline.supervision.views import ACTION_NAMES

    assert set(ACTION_NAMES) == set(audit.ACTIONS)

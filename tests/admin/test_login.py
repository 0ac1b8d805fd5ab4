"""Staff sign-in: CSRF, wrong passwords, deactivated accounts, roles, the CLI."""

from __future__ import annotations

import re

from argon2 import PasswordHasher

from helpline.admin import accounts
from helpline.auth import passwords
from helpline.extensions import db
from helpline.settings import CONFIGS
from tests.conftest import PASSWORD


def test_console_requires_sign_in(app):
    response = app.test_client().get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_login_and_logout(app, make_staff):
    make_staff("anna")
    http = app.test_client()
    signed_in = http.post("/staff/login", data={"username": "ANNA ", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert http.get("/staff/").status_code == 200
    http.post("/staff/logout")
    assert http.get("/staff/").status_code == 302


def test_wrong_password_and_deactivated(app, make_staff, ctx):
    make_staff("anna")
    http = app.test_client()
    def status(username, password):
        data = {"username": username, "password": password}
        return http.post("/staff/login", data=data).status_code

    assert status("anna", "nope") == 401
    assert status("who", "nope") == 401
    with ctx():
        accounts.deactivate(db.session, "anna")
    assert status("anna", PASSWORD) == 401


def test_deactivation_ends_an_open_session(app, make_staff, ctx):
    make_staff("anna")
    http = app.test_client()
    http.post("/staff/login", data={"username": "anna", "password": PASSWORD})
    with ctx():
        accounts.deactivate(db.session, "anna")
    assert http.get("/staff/").status_code == 302


def test_login_form_needs_csrf_token(app, make_staff):
    make_staff("anna")
    app.config["WTF_CSRF_ENABLED"] = True
    http = app.test_client()
    refused = http.post("/staff/login", data={"username": "anna", "password": PASSWORD})
    assert refused.status_code == 400
    page = http.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = http.post("/staff/login", data={"username": "anna", "password": PASSWORD,
                                         "csrf_token": token})
    assert ok.status_code == 302


def test_open_redirect_is_refused(app, make_staff):
    make_staff("anna")
    response = app.test_client().post("/staff/login?next=https://evil.example/",
                                      data={"username": "anna", "password": PASSWORD})
    assert response.headers["Location"].endswith("/staff/")


def test_passwords_are_argon2_hashed(app, make_staff):
    staff = make_staff("anna")
    assert staff.password_hash.startswith("$argon2id$") and PASSWORD not in staff.password_hash


def test_only_the_test_suite_makes_argon2_cheap(app, make_staff, ctx):
    """Outside TestingConfig new hashes get argon2-cffi's default cost (RFC 9106, low
    memory: 64 MiB, 3 passes, 4 lanes), the dummy one too, and a cheaper hash is made
    anew at the next sign-in."""
    default = "$argon2id$v=19$m=65536,t=3,p=4$"
    assert [name for name, config in CONFIGS.items() if config.PASSWORD_HASH_COST] == ["testing"]
    assert passwords.hash_password(PASSWORD).startswith(default)  # no app: Config's
    assert passwords.DUMMY_HASH.startswith(default)
    assert not PasswordHasher().check_needs_rehash(passwords.DUMMY_HASH)  # the stored one
    assert passwords.verify(passwords.DUMMY_HASH, "not-a-real-password")
    cheap = make_staff("anna").password_hash
    assert not cheap.startswith(default)
    app.config["PASSWORD_HASH_COST"] = None
    with ctx():
        assert passwords.dummy_hash() == passwords.DUMMY_HASH
        assert accounts.authenticate(db.session, "anna", PASSWORD).password_hash.startswith(default)


def test_cli_create_list_deactivate(app, ctx):
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["users", "create", "ben", "--name", "Ben", "--role", "supervisor"])
    assert created.exit_code == 0, created.output
    password = re.search(r"one-time password: (\S+)", created.output).group(1)
    with ctx():
        assert accounts.authenticate(db.session, "ben", password).role == "supervisor"
    assert "ben\tBen\tsupervisor\tactive" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "create", "ben"]).exit_code != 0
    assert runner.invoke(args=["users", "deactivate", "ben"]).exit_code == 0
    assert "deactivated" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code != 0


def test_malformed_form_gets_a_page_not_a_crash(app):
    http = app.test_client()
    response = http.post("/staff/login", data={"username": "x" * 5000, "password": ""})
    assert response.status_code == 400
    assert http.post("/staff/login", data=b"\xff\xfe" * 100_000).status_code in (400, 413)


def test_cli_deactivation_closes_open_consoles_at_once(app, make_staff, staff_socket, chatter):
    anna = make_staff("anna")
    sock = staff_socket(anna)
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)
    client = chatter()
    chat_id = client.emit("start", {}, namespace="/chat", callback=True)["chat_id"]
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "anna"])
    assert result.exit_code == 0 and "1 chat(s) back in the line" in result.output
    assert not sock.is_connected("/staff")
    assert app.extensions["helpline_redis"].zscore("hl:line", chat_id) is not None

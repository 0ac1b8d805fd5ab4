"""Phone and e-mail registrations: one model and one set of rules with chat summaries;
a therapist corrects their own of the last week, supervisors all; corrections audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from helpline.audit import AuditEvent
from helpline.extensions import db
from helpline.records.models import Registration, Staff, utcnow
from tests.conftest import sign_in

FORM = {
    "channel": "phone", "date": "2026-11-24", "time": "15:40", "duration": "25",
    "target_group": "close_one", "subcategory": "partner_of_offender",
    "help_given": ["listening", "referral"], "referral_target": "cgg",
    "referral_region": "limburg", "referral_accepted": "yes", "follow_up": "none",
    "risk": "no_indication", "age_band": "unknown", "gender": "woman",
    "contacted_before": "yes", "said_helpful": "yes", "note": "Belde voor haar partner.",
}


def signed_in(app, staff):
    """A test client signed in as `staff` (a supervisor also gives the second step)."""
    client = app.test_client()
    response = sign_in(client, staff.username)
    assert response.status_code == 302
    return client


def test_staff_register_a_phone_call(app, make_staff, ctx):
    anna = make_staff("anna")
    client = signed_in(app, anna)
    page = client.get("/staff/registrations/new")
    assert page.status_code == 200 and b'name="duration"' in page.data
    assert b'href="/staff/registrations/"' in client.get("/staff/").data  # from the console
    response = client.post("/staff/registrations/new", data=FORM)
    assert response.status_code == 302
    with ctx():
        row = db.session.scalar(select(Registration))
    assert (row.channel, row.status, row.staff_id) == ("phone", "filed", anna.id)
    # 15:40 in Brussels (winter, UTC+1) is kept to the hour, in UTC
    assert row.contact_hour == datetime(2026, 11, 24, 14, 0)
    assert row.duration_seconds == 25 * 60 and row.wait_seconds is None
    assert (row.referral_target, row.referral_accepted) == ("cgg", True)
    assert (row.contacted_before, row.said_helpful, row.gender) == ("yes", True, "woman")
    assert row.help_given == ["listening", "referral"]


def test_the_form_defaults_to_now_and_refuses_bad_input(app, make_staff, ctx):
    client = signed_in(app, make_staff("anna"))
    page = client.get("/staff/registrations/new").get_data(as_text=True)
    assert 'type="date" value="20' in page and 'name="time" type="time" value="' in page
    bad = {**FORM, "duration": "lots", "subcategory": "teacher", "channel": "fax"}
    response = client.post("/staff/registrations/new", data=bad)
    assert response.status_code == 400
    assert "Not in the chosen target group." in response.get_data(as_text=True)
    future = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    assert client.post("/staff/registrations/new",
                       data={**FORM, "date": future}).status_code == 400
    assert client.post("/staff/registrations/new",
                       data={**FORM, "time": "25:99"}).status_code == 400
    with ctx():
        assert db.session.scalar(select(sa.func.count()).select_from(Registration)) == 0


def test_a_note_with_an_identity_is_scrubbed_after_confirmation(app, make_staff, ctx):
    client = signed_in(app, make_staff("anna"))
    note = "Mail jan.peeters@example.be terug."
    first = client.post("/staff/registrations/new", data={**FORM, "note": note})
    assert first.status_code == 400
    text = first.get_data(as_text=True)
    textarea = text.split('id="f-note"', 1)[1].split("</textarea>", 1)[0]
    assert "jan.peeters@example.be" not in textarea and "[email]" in textarea
    assert 'name="confirmed_note"' in text
    # What was removed is listed with its label, in the page's language (English here).
    assert '<span class="removed-kind">E-mail address:</span> jan.peeters@example.be' in text
    with ctx():
        assert db.session.scalar(select(Registration)) is None
    from helpline.records.scrubber import scrub

    clean = scrub(note, "en").text
    done = client.post("/staff/registrations/new",
                       data={**FORM, "note": clean, "confirmed_note": clean})
    assert done.status_code == 302
    with ctx():
        assert db.session.scalar(select(Registration)).note == clean


def _row(ctx, staff_id, created=None, channel="email"):
    with ctx():
        row = Registration(channel=channel, contact_hour=datetime(2026, 11, 20, 9),
                           staff_id=staff_id, target_group="self",
                           subcategory="csam_downloader", help_given=["advice"],
                           follow_up="none", risk="no_indication",
                           created_at=created or utcnow().replace(minute=0, second=0,
                                                                  microsecond=0))
        db.session.add(row)
        db.session.commit()
        return row.id


def test_therapists_see_and_correct_only_their_own_recent_ones(app, make_staff, ctx):
    anna, bert, sara = make_staff("anna"), make_staff("bert"), make_staff("sara", "supervisor")
    own = _row(ctx, anna.id)
    old = _row(ctx, anna.id, created=utcnow() - timedelta(days=8))
    other = _row(ctx, bert.id)
    client = signed_in(app, anna)
    listing = client.get("/staff/registrations/").get_data(as_text=True)
    assert f'data-registration="{own}"' in listing
    assert "Concerned about oneself" in listing  # the label, not the stored key
    assert f'data-registration="{old}"' not in listing
    assert f'data-registration="{other}"' not in listing
    assert client.get(f"/staff/registrations/{other}").status_code == 404
    assert client.get(f"/staff/registrations/{old}").status_code == 404
    assert client.post(f"/staff/registrations/{other}", data=FORM).status_code == 404
    supervisor = signed_in(app, sara)
    listing = supervisor.get("/staff/registrations/").get_data(as_text=True)
    assert all(f'data-registration="{n}"' in listing for n in (own, old, other))
    assert supervisor.get(f"/staff/registrations/{old}").status_code == 200


def test_every_correction_is_audited_without_text(app, make_staff, ctx):
    anna, sara = make_staff("anna"), make_staff("sara", "supervisor")
    own = _row(ctx, anna.id)
    assert signed_in(app, anna).post(f"/staff/registrations/{own}",
                                     data={**FORM, "channel": "email"}).status_code == 302
    assert signed_in(app, sara).post(f"/staff/registrations/{own}",
                                     data={**FORM, "note": ""}).status_code == 302
    with ctx():
        row = db.session.get(Registration, own)
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        dump = str(db.session.execute(sa.text("SELECT * FROM audit_events")).all())
    assert row.channel == "phone" and row.subcategory == "partner_of_offender"
    assert [(e.actor_id, e.action, e.registration_id) for e in events] == [
        (anna.id, "registration_correct", own), (sara.id, "registration_correct", own)]
    assert "partner" not in dump and "Belde" not in dump


def test_a_chat_registration_keeps_its_times_when_corrected(app, make_staff, ctx):
    anna = make_staff("anna")
    chat = _row(ctx, anna.id, channel="chat")
    with ctx():
        row = db.session.get(Registration, chat)
        row.duration_seconds, row.wait_seconds = 1800, 60
        db.session.commit()
    page = signed_in(app, anna).get(f"/staff/registrations/{chat}").get_data(as_text=True)
    assert 'name="duration"' not in page
    assert signed_in(app, anna).post(f"/staff/registrations/{chat}",
                                     data=FORM).status_code == 302
    with ctx():
        row = db.session.get(Registration, chat)
    assert (row.channel, row.duration_seconds, row.wait_seconds) == ("chat", 1800, 60)
    assert row.contact_hour == datetime(2026, 11, 20, 9)


def test_a_no_conversation_chat_is_listed_as_such_and_a_correction_makes_it_a_contact(
        app, make_staff, ctx):
    anna = make_staff("anna")
    chat = _row(ctx, anna.id, channel="chat")
    with ctx():
        row = db.session.get(Registration, chat)
        row.status, row.target_group, row.subcategory = "no_conversation", None, None
        db.session.commit()
    listing = signed_in(app, anna).get("/staff/registrations/").get_data(as_text=True)
    assert "no conversation" in listing
    assert signed_in(app, anna).post(f"/staff/registrations/{chat}",
                                     data=FORM).status_code == 302
    with ctx():
        assert db.session.get(Registration, chat).status == "filed"


def test_the_rescan_counts_changed_notes_without_printing_them(app, make_staff, ctx):
    """`flask notes rescan` counts per kind; --apply rewrites and audits a count only."""
    anna = make_staff("anna")
    boss = make_staff("boss", role="supervisor")
    old_note = "Jan Peeters uit Gent, gsm 0475 12 34 56."
    with ctx():
        staff = db.session.get(Staff, anna.id)
        staff.language = "fr"
        for note in (old_note, "Geen identiteit hier.", "[telefoon] al weg."):
            db.session.add(Registration(channel="phone", contact_hour=datetime(2026, 11, 20, 9),
                                        staff_id=anna.id, note=note))
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["notes", "rescan"])
    assert dry.exit_code == 0, dry.output
    assert "notes read: 3; the scrubber would change 1" in dry.output
    assert "name: 1 notes" in dry.output and "phone: 1 notes" in dry.output
    assert "Peeters" not in dry.output and "0475" not in dry.output
    with ctx():
        assert db.session.scalar(select(Registration).where(
            Registration.note == old_note)) is not None
    refused = runner.invoke(args=["notes", "rescan", "--apply", "--by", "anna"])
    assert refused.exit_code != 0 and "supervisor" in refused.output
    done = runner.invoke(args=["notes", "rescan", "--apply", "--by", "boss"])
    assert done.exit_code == 0, done.output
    with ctx():
        notes = set(db.session.scalars(select(Registration.note)))
        assert "[nom] uit [lieu], gsm [téléphone]." in notes  # in anna's language
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notes_rescan"))
        assert (event.actor_id, event.count) == (boss.id, 1)
    again = runner.invoke(args=["notes", "rescan"])
    assert "would change 0" in again.output

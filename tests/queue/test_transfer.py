"""The transfer scripts: holder and capacity checks, the move between sets, the line's front,
the handover note, and races between processes (threads with their own connections)."""

from __future__ import annotations

import threading

import pytest
import redis

from helpline.chat import store
from helpline.queue import assignment, keys, line, transfer


def _active_chat(lr, staff_id: str, now: float = 10.0) -> str:
    """A chat created and assigned to `staff_id` (who must be the only one with room)."""
    chat_id = store.create_chat(lr, None, None, "en", now, 3600)[0]
    pairs = assignment.assign_waiting(lr, now + 1)
    assert (chat_id, staff_id) in pairs
    return chat_id


@pytest.fixture
def anna_ben(lr):
    assignment.go_on_duty(lr, "1", "Anna", 2, 1.0)
    chat_id = _active_chat(lr, "1")
    assignment.go_on_duty(lr, "2", "Ben", 1, 2.0)
    return chat_id


def test_to_staff_moves_the_chat_between_sets(lr, anna_ben):
    store.add_message(lr, anna_ben, "chatter", "hello", 12.0, 3600)
    assert transfer.to_staff(lr, anna_ben, "1", "2", 20.0) == "Ben"
    assert assignment.held_chats(lr, "1") == set()
    assert assignment.held_chats(lr, "2") == {anna_ben}
    chat = store.get_chat(lr, anna_ben)
    assert (chat["state"], chat["staff"], chat["staff_name"]) == ("active", "2", "Ben")
    assert chat["assigned_at"] == "11.0"  # the first assignment time stays (wait, duration)
    assert [m.text for m in store.messages_after(lr, anna_ben)] == ["hello"]
    assert assignment.presence(lr, "2").idle_since == 20.0


@pytest.mark.parametrize(
    ("setup", "args", "code"),
    [
        (None, ("2", "1"), "not_your_chat"),  # Ben does not hold it
        ("end", ("1", "2"), "chat_ended"),
        ("full", ("1", "2"), "no_capacity"),
        ("off", ("1", "2"), "no_capacity"),
        ("never", ("1", "9"), "no_capacity"),  # never on duty
        ("forget", ("1", "2"), "unknown_chat"),
    ],
)
def test_to_staff_refusals_change_nothing(lr, anna_ben, setup, args, code):
    if setup == "end":
        store.end_chat(lr, anna_ben, "chatter", "chatter_ended", 30.0)
    elif setup == "full":
        _active_chat(lr, "2", now=15.0)  # Ben (capacity 1) takes the next chatter
    elif setup == "off":
        assignment.go_off_duty(lr, "2")
    elif setup == "forget":
        store.forget_chat(lr, anna_ben)
    before_1, before_2 = assignment.held_chats(lr, "1"), assignment.held_chats(lr, "2")
    with pytest.raises(transfer.TransferError) as info:
        transfer.to_staff(lr, anna_ben, args[0], args[1], 40.0)
    assert info.value.code == code
    assert assignment.held_chats(lr, "1") == before_1
    assert assignment.held_chats(lr, "2") == before_2


def test_to_line_puts_the_chat_first_with_the_note(lr, anna_ben):
    assignment.go_off_duty(lr, "2")
    waiting = [store.create_chat(lr, None, None, "en", 50.0 + i, 3600)[0] for i in range(2)]
    assert assignment.assign_waiting(lr, 53.0) == [(waiting[0], "1")]  # Anna's 2nd slot
    transfer.to_line(lr, anna_ben, "1", "Talked about work; calm now.", "Anna")
    assert line.waiting(lr) == [anna_ben, waiting[1]]
    assert assignment.held_chats(lr, "1") == {waiting[0]}
    chat = store.get_chat(lr, anna_ben)
    assert chat["state"] == "waiting" and "staff" not in chat and "staff_name" not in chat
    assert chat["handover_note"] == "Talked about work; calm now."
    assert chat["counted"] == "1"  # leaving now is not a contact that was never answered
    # The note is nowhere in the message stream.
    assert all("work" not in m.text for m in store.messages_after(lr, anna_ben))
    assert transfer.take_handover(lr, anna_ben) == {"text": "Talked about work; calm now.",
                                                    "from": "Anna"}
    assert transfer.take_handover(lr, anna_ben) is None  # taken once, then deleted
    assert "handover_note" not in store.get_chat(lr, anna_ben)


def test_to_line_on_an_empty_line_and_refusals(lr, anna_ben):
    with pytest.raises(transfer.TransferError, match="not_your_chat"):
        transfer.to_line(lr, anna_ben, "2")
    transfer.to_line(lr, anna_ben, "1")
    assert line.waiting(lr) == [anna_ben]
    with pytest.raises(transfer.TransferError, match="chat_ended|not_your_chat"):
        transfer.to_line(lr, anna_ben, "1")  # no longer active nor held


def test_assignment_does_not_hand_a_chat_straight_back(lr, anna_ben):
    """Anna handed the chat back: it waits for a colleague, and Anna's free slot serves
    the next chatter instead; the chat keeps its first assignment time."""
    assignment.go_off_duty(lr, "2")
    transfer.to_line(lr, anna_ben, "1", "", "Anna")
    behind = store.create_chat(lr, None, None, "en", 60.0, 3600)[0]
    assert assignment.assign_waiting(lr, 61.0) == [(behind, "1")]
    assert line.waiting(lr) == [anna_ben]
    assert assignment.assign_waiting(lr, 62.0) == []  # only Anna has room: it stays put
    assignment.go_on_duty(lr, "3", "Carl", 1, 63.0)
    assert assignment.assign_waiting(lr, 64.0) == [(anna_ben, "3")]
    chat = store.get_chat(lr, anna_ben)
    assert chat["assigned_at"] == "11.0" and "not_staff" not in chat


def test_returned_without_avoid_can_go_to_anyone(lr, anna_ben):
    transfer.to_line(lr, anna_ben, "1", avoid=False)
    assignment.go_off_duty(lr, "2")
    assert assignment.assign_waiting(lr, 70.0) == [(anna_ben, "1")]


def test_colleagues_lists_on_duty_others_with_free_slots(lr, anna_ben):
    assignment.go_on_duty(lr, "3", "Carl", 3, 3.0)
    got = [c.as_dict() for c in transfer.colleagues(lr, "1", 0.0)]
    assert got == [{"id": 3, "name": "Carl", "free": 3}, {"id": 2, "name": "Ben", "free": 1}]
    assert [c.id for c in transfer.colleagues(lr, "2", 0.0)] == [3, 1]
    assert [c.free for c in transfer.colleagues(lr, "2", 0.0)] == [3, 1]


def test_racing_transfers_never_overfill_the_target(lr, lr_url):
    """Ten therapists each try to hand a chat to Zoe (2 free slots) at the same moment."""
    for i in range(1, 11):
        assignment.go_on_duty(lr, str(i), f"T{i}", 1, float(i))
    chats = {}
    for i in range(1, 11):
        chats[str(i)] = store.create_chat(lr, None, None, "en", 100.0 + i, 3600)[0]
    assert len(assignment.assign_waiting(lr, 200.0)) == 10
    holder = {store.get_chat(lr, c)["staff"]: c for c in chats.values()}
    assignment.go_on_duty(lr, "99", "Zoe", 2, 300.0)
    barrier = threading.Barrier(10)
    results: dict[str, str] = {}

    def attempt(staff_id: str) -> None:
        client = redis.Redis.from_url(lr_url, decode_responses=True)
        try:
            barrier.wait()
            transfer.to_staff(client, holder[staff_id], staff_id, "99", 400.0)
            results[staff_id] = "ok"
        except transfer.TransferError as exc:
            results[staff_id] = exc.code
        finally:
            client.close()

    threads = [threading.Thread(target=attempt, args=(str(i),)) for i in range(1, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == ["no_capacity"] * 8 + ["ok"] * 2
    moved = {holder[s] for s, v in results.items() if v == "ok"}
    assert assignment.held_chats(lr, "99") == moved
    for staff_id, outcome in results.items():
        chat = store.get_chat(lr, holder[staff_id])
        expected = "99" if outcome == "ok" else staff_id
        assert chat["staff"] == expected
        assert (holder[staff_id] in assignment.held_chats(lr, staff_id)) == (outcome != "ok")


def _race_for_the_last_slot(lr, lr_url) -> list[str]:
    """One round: Anna's transfer and the assignment of a waiting chatter, at once."""
    lr.flushdb()
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    held = _active_chat(lr, "1")
    assignment.go_off_duty(lr, "1")
    store.create_chat(lr, None, None, "en", 20.0, 3600)
    assignment.go_on_duty(lr, "2", "Zoe", 1, 2.0)
    barrier = threading.Barrier(2)
    errors: list[str] = []

    def do_transfer() -> None:
        client = redis.Redis.from_url(lr_url, decode_responses=True)
        barrier.wait()
        try:
            transfer.to_staff(client, held, "1", "2", 30.0)
        except transfer.TransferError as exc:
            errors.append(exc.code)
        client.close()

    def do_assign() -> None:
        client = redis.Redis.from_url(lr_url, decode_responses=True)
        barrier.wait()
        assignment.assign_waiting(client, 30.0)
        client.close()

    threads = [threading.Thread(target=do_transfer), threading.Thread(target=do_assign)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


def test_racing_transfer_and_assignment_share_the_last_slot(lr, lr_url):
    """A transfer and the assignment of a waiting chatter race for Zoe's only slot."""
    for attempt_no in range(20):
        errors = _race_for_the_last_slot(lr, lr_url)
        assert len(assignment.held_chats(lr, "2")) == 1, attempt_no
        assert errors in ([], ["no_capacity"])
        assert len(line.waiting(lr)) == (1 if not errors else 0)
        assert lr.scard(keys.staff_chats("1")) == (1 if errors else 0)


def test_a_paused_or_cooling_colleague_takes_no_transfer(lr, anna_ben):
    assignment.set_paused(lr, "2", True)
    assert [c.free for c in transfer.colleagues(lr, "1", 20.0)] == [0]
    with pytest.raises(transfer.TransferError) as refused:
        transfer.to_staff(lr, anna_ben, "1", "2", 20.0)
    assert refused.value.code == "no_capacity"
    assignment.set_paused(lr, "2", False)
    assignment.start_cooldown(lr, "2", 30.0)
    assert [c.free for c in transfer.colleagues(lr, "1", 20.0)] == [0]
    with pytest.raises(transfer.TransferError):
        transfer.to_staff(lr, anna_ben, "1", "2", 20.0)
    assert [c.free for c in transfer.colleagues(lr, "1", 31.0)] == [1]
    assert transfer.to_staff(lr, anna_ben, "1", "2", 31.0) == "Ben"

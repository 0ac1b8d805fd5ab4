"""Many processes may assign at once: 8 threads, each with its own connection, racing."""

from __future__ import annotations

import threading
from collections import Counter

import redis

from helpline.chat import store
from helpline.queue import assignment, line

THREADS = 8
CHATS = 200
CAPACITIES = {str(i): (i % 5) + 1 for i in range(1, 41)}  # 40 therapists, 120 slots


def test_concurrent_assignment_hands_each_chat_out_once_within_capacity(lr, lr_url):
    for sid, capacity in CAPACITIES.items():
        assignment.go_on_duty(lr, sid, f"T{sid}", capacity, float(sid))
    slots = sum(CAPACITIES.values())
    assert slots < CHATS  # some chatters are left waiting at the end

    created: list[str] = []
    results: list[list[tuple[str, str]]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []
    done_joining = threading.Event()
    start = threading.Barrier(THREADS + 1)

    def assigner(n: int) -> None:
        client = redis.Redis.from_url(lr_url, decode_responses=True)
        try:
            start.wait()
            now = 10_000.0 + n
            while True:
                finished = done_joining.is_set()  # read before the last pass
                results[n].extend(assignment.assign_waiting(client, now))
                now += THREADS
                if finished:
                    break
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=assigner, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    joiner = redis.Redis.from_url(lr_url, decode_responses=True)
    try:
        start.wait()
        for i in range(CHATS):
            created.append(store.create_chat(joiner, None, None, "en", 100.0 + i, 3600)[0])
    finally:
        done_joining.set()
        joiner.close()
        for t in threads:
            t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors

    handed = [pair for result in results for pair in result]
    counts = Counter(cid for cid, _ in handed)
    assert all(n == 1 for n in counts.values()), "a chat was handed out twice"
    assert len(handed) == slots  # every slot got filled, nothing more

    per_staff = Counter(sid for _, sid in handed)
    for sid, capacity in CAPACITIES.items():
        held = assignment.held_chats(lr, sid)
        assert len(held) == per_staff[sid] == capacity, sid
        for cid in held:
            chat = store.get_chat(lr, cid)
            assert (chat["state"], chat["staff"]) == ("active", sid)

    # Each chat is in exactly one place; the oldest were served, the rest wait in order.
    all_held = set().union(*(assignment.held_chats(lr, s) for s in CAPACITIES))
    assert all_held == set(counts) == set(created[:slots])
    assert line.waiting(lr) == created[slots:]
    assert all(store.get_chat(lr, c)["state"] == "waiting" for c in created[slots:])

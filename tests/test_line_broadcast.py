"""Line broadcasts that overlap never leave a chatter with a stale place (issue 11, point 1)."""

from __future__ import annotations

import threading

from helpline.queue import broadcast, line
from tests.conftest import events

NS = "/chat"


def test_a_broadcast_overtaken_by_a_newer_one_does_not_send_last(app, chatter, monkeypatch):
    first, second, third = chatter(), chatter(), chatter()
    for client in (first, second, third):
        assert client.emit("start", {}, namespace=NS, callback=True)["ok"]
    for client in (second, third):
        events(client, NS)  # drop what they got while joining
    real_waiting = line.waiting
    armed = [True]  # only the broadcast's own read of the line is delayed

    def snapshot_then_a_change_lands(r):
        """Read the line, then let another process change it and broadcast, all before
        this broadcast sends what it read: the interleaving that left places stale."""
        rows = real_waiting(r)
        if armed.pop() if armed else False:
            other = threading.Thread(target=first.emit, args=("end", {}),
                                     kwargs={"namespace": NS})
            other.start()
            other.join()
        return rows

    monkeypatch.setattr(line, "waiting", snapshot_then_a_change_lands)
    with app.app_context():
        broadcast.line_changed()

    assert events(second, NS, "position")[-1]["position"] == 1
    assert events(third, NS, "position")[-1]["position"] == 2

"""This process's counters, in the Prometheus format (prometheus_client): aggregates only.

No label ever holds a chat id, a staff name or anything a client sent: the labels are
fixed sets (an error code of `protocol.ERRORS`, a job name of `jobs.JOBS`, a namespace).
Each server process counts its own; the live figures everyone shares (the line, duty,
timers) are read from Redis at each scrape (supervision/metrics.py).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENT_ERRORS = Counter(
    "helpline_event_errors", "Socket events answered with an error, by error code", ["code"])
MESSAGES = Counter("helpline_messages_delivered", "Chat messages stored and delivered",
                   ["sender"])
ASSIGNMENT_DELAY = Histogram(
    "helpline_assignment_delay_seconds", "From a chatter's start to a therapist taking them",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600))
SIGNIN_FAILURES = Counter("helpline_signin_failures", "Failed staff sign-ins (any step)")
JOB_FAILURES = Counter("helpline_job_failures", "Timed jobs that raised, by job", ["job"])
JOBS_TAKEN_OVER = Counter("helpline_jobs_taken_over",
                          "Due timers a server process ran because no worker took them")

CHATS_RETURNED = Counter(
    "helpline_chats_returned", "Active chats back to the line because their therapist's last "
    "console was gone for the staff grace")
LOOP_LAG = Gauge("helpline_event_loop_lag_seconds",
                 "How late this process's event loop woke its probe last (realtime/overload.py)")
MISSED = Counter("helpline_missed_contacts", "Contacts missed, by reason", ["reason"])

SENDERS = ("chatter", "staff")  # `sender` label values (a supervisor's line counts as staff)

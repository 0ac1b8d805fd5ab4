"""Every Redis key the live state uses, in one place (see docs/architecture.md)."""

PREFIX = "hl:"
LINE = PREFIX + "line"  # ZSET chat id -> order score (lowest is served first)
LINE_SEQ = PREFIX + "line:seq"  # counter giving each joiner a later score
DUTY = PREFIX + "duty"  # SET of on-duty staff ids
DURATIONS = PREFIX + "durations"  # LIST of recent chat durations in seconds (newest first)
POSITIONS_SENT = PREFIX + "line:sent"  # HASH protocol-1 chat id -> last position/wait sent
LINE_SNAPSHOT = PREFIX + "line:snapshot"  # HASH version, ids, params: the line as last sent
LINE_V1 = PREFIX + "line:v1"  # SET of live chats on protocol 1 (per-chatter `position`)
# SET of chats handed back to the line since the last broadcast: each is told its place anew
LINE_BACK = PREFIX + "line:back"
SUPERVISOR_SOCKETS = PREFIX + "supervisors:sockets"  # SET of open supervisor socket ids
PROCESSES = PREFIX + "procs"  # SET of server process ids that registered a heartbeat
TIMERS = PREFIX + "timers"  # ZSET timer (job name and JSON args) -> when due (helpline/timers.py)
TIMER_TRIES = PREFIX + "timers:tries"  # HASH timer id -> failed runs so far
WORKERS = PREFIX + "workers"  # ZSET worker id -> its pump's last beat (health, metrics)


def chat(chat_id: str) -> str:
    """HASH with one live chat's state (no identity: intake answers, times, staff id)."""
    return f"{PREFIX}chat:{chat_id}"


def chat_numbers(day: str) -> str:
    """Counter numbering one day's chats (helpline date), so a chat has one name for all."""
    return f"{PREFIX}numbers:{day}"


def messages(chat_id: str) -> str:
    """STREAM of one chat's messages; deleted when the summary is filed."""
    return f"{PREFIX}chat:{chat_id}:msgs"


def token(token_hash: str) -> str:
    """STRING mapping the hash of a chatter's resume token to its chat id."""
    return f"{PREFIX}token:{token_hash}"


def staff(staff_id: int | str) -> str:
    """HASH with a staff member's live presence: name, capacity, idle_since."""
    return f"{PREFIX}staff:{staff_id}"


def staff_chats(staff_id: int | str) -> str:
    """SET of chat ids a therapist holds (active or awaiting the summary): their load."""
    return f"{PREFIX}staff:{staff_id}:chats"


def staff_sockets(staff_id: int | str) -> str:
    """SET of a staff member's open console sockets, so a closed console is noticed."""
    return f"{PREFIX}staff:{staff_id}:sockets"


def rate(chat_id: str, sender: str) -> str:
    """Counter for message rate limiting, keyed on the chat, never on an address."""
    return f"{PREFIX}rate:{chat_id}:{sender}"


def broadcast_version(name: str) -> str:
    """Counter bumped by every trigger of a broadcast (`line`, `overview`)."""
    return f"{PREFIX}broadcast:{name}:version"


def broadcast_done(name: str) -> str:
    """STRING: the version the last completed round of that broadcast covered."""
    return f"{PREFIX}broadcast:{name}:done"


def broadcast_lock(name: str) -> str:
    """STRING held by the one process running that broadcast now (short TTL)."""
    return f"{PREFIX}broadcast:{name}:lock"


def session(session_id: str) -> str:
    """HASH of one staff sign-in: staff id, started, seen (idle clock); a random id."""
    return f"{PREFIX}session:{session_id}"


def account(staff_id: int | str) -> str:
    """STRING "<session_version>|<usable 1/0>|<role>": an account's sign-in stamp, written
    after every commit that changes the account, so staff events check it without SQL."""
    return f"{PREFIX}account:{staff_id}"


def session_sockets(session_id: str) -> str:
    """SET of the console sockets opened with one staff sign-in (closed when it ends)."""
    return f"{PREFIX}session:{session_id}:sockets"


def process(proc_id: str) -> str:
    """STRING with a short TTL: the server process is alive while it exists."""
    return f"{PREFIX}proc:{proc_id}"


def process_sockets(proc_id: str) -> str:
    """HASH of the sockets a server process holds: '<kind>:<sid>' -> chat or staff id."""
    return f"{PREFIX}proc:{proc_id}:sockets"


def process_sweep(proc_id: str) -> str:
    """STRING lock: one sweeper at a time cleans up after a dead process."""
    return f"{PREFIX}proc:{proc_id}:sweep"


def process_swept(proc_id: str) -> str:
    """STRING with a TTL: a sweep began for this process, so it may not carry on as before."""
    return f"{PREFIX}proc:{proc_id}:swept"


def pow_used(challenge: str) -> str:
    """STRING marking a proof-of-work challenge as spent, until the challenge expires."""
    return f"{PREFIX}pow:used:{challenge}"


def pow_redeemed(window: int) -> str:
    """Counter of solved starts in one 10-second window (a flood raises the difficulty)."""
    return f"{PREFIX}pow:redeemed:{window}"


def abuse_count(kind: str, minute: int) -> str:
    """Counter of one kind of line abuse (refused starts, reclaimed places) in one minute."""
    return f"{PREFIX}abuse:{kind}:{minute}"


def signin_failures(counted: str) -> str:
    """HASH count, first, until: failed sign-ins of one username (known or not) from new
    browsers, of one device cookie (`device:<id>`) or at one username's two-factor step
    (`code:<digest>`): auth/throttle.py."""
    return f"{PREFIX}auth:fail:{counted}"


def signin_failures_minute(minute: int) -> str:
    """STRING: failed sign-ins of every account in one minute (the global ceiling)."""
    return f"{PREFIX}auth:failmin:{minute}"


def totp_enrolment(staff_id: int | str) -> str:
    """STRING: the secret offered at two-factor enrolment until confirmed with a code."""
    return f"{PREFIX}auth:enrol:{staff_id}"

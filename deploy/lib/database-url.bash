# Sourced by deploy/backup and deploy/restore: DATABASE_URL, from an environment file or
# the environment, as libpq's PG* variables, so that no password appears on a command line
# (where every local user could read it in `ps`).

# use_database_url ENV_FILE: export PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (and
# PGSSLMODE and the like from the URL's query) from ENV_FILE's DATABASE_URL, or from the
# environment's when ENV_FILE is empty. Fails with a message when there is none, or when
# it is not PostgreSQL.
use_database_url() {
    local exports
    exports=$(HL_ENV_FILE="$1" python3 - "$(basename "$0")" <<'PY'
import os
import shlex
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

QUERY = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
         "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
         "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL",
         "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
         "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS"}


def fail(message):
    print(f"{sys.argv[1]}: {message}", file=sys.stderr)  # the calling script's name
    sys.exit(2)


def from_file(path):
    """The last DATABASE_URL= line of a systemd-style environment file."""
    value = None
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    for line in lines:
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, rest = line.partition("=")
        if sep and name.strip() == "DATABASE_URL":
            rest = rest.strip()
            if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "\"'":
                rest = rest[1:-1]
            value = rest
    return value


path = os.environ.get("HL_ENV_FILE")
url = from_file(path) if path else os.environ.get("DATABASE_URL")
if not url:
    fail(f"no DATABASE_URL in {path}" if path else
         "no DATABASE_URL: set it, or name the environment file with --env FILE")
parts = urlsplit(url)
if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
    fail("DATABASE_URL is not a PostgreSQL database (postgresql://... or "
         "postgresql+psycopg://...); a SQLite file is backed up by copying it")
found = {}
if parts.hostname:
    found["PGHOST"] = unquote(parts.hostname)
if parts.port:
    found["PGPORT"] = str(parts.port)
if parts.username:
    found["PGUSER"] = unquote(parts.username)
if parts.password is not None:
    found["PGPASSWORD"] = unquote(parts.password)
if parts.path.strip("/"):
    found["PGDATABASE"] = unquote(parts.path.strip("/"))
for name, value in parse_qsl(parts.query, keep_blank_values=True):
    if name not in QUERY:
        fail(f"DATABASE_URL has a parameter this script does not pass on: {name}")
    found[QUERY[name]] = value
if "PGDATABASE" not in found:
    fail("DATABASE_URL names no database")
print("unset " + " ".join(sorted(set(QUERY.values()))))  # nothing inherited gets mixed in
for name, value in found.items():
    print(f"export {name}={shlex.quote(value)}")
PY
    ) || return 1
    eval "$exports"
}

"""Entry point: `python app.py` runs the whole platform; `flask --app app ...` the CLI.

By default it starts an embedded Redis (no REDIS_URL), sets up the database (the steps
of `flask --app app setup`), starts an RQ worker process and serves on PORT with gevent.
`python app.py serve` starts only a server process and `python app.py worker` only a
worker (production: several of each, sharing REDIS_URL and DATABASE_URL).
"""

import sys

if __name__ == "__main__" and sys.argv[1:2] != ["worker"]:
    from gevent import monkey

    monkey.patch_all()

try:
    # `flask --app app` builds its app with create_app: the start-up checks apply to the CLI.
    from helpline.server.runner import checked_app as create_app  # noqa: E402
    from helpline.server.runner import main  # noqa: E402
except RuntimeError as exc:  # a setting that cannot be read (settings._env_int): one line
    sys.exit(f"helpline: {exc}")

__all__ = ["create_app"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""RQ's SimpleWorker with a step after every job, done or failed.

RQ has no public per-job teardown for a worker; this overrides `perform_job(job, queue,
execution)`, the method every worker class runs each job through (undocumented, and RQ
has changed its arguments before: `execution` was added; registry: helpline/compat/).
"""

from __future__ import annotations

from rq import SimpleWorker


class SimpleWorkerWithTeardown(SimpleWorker):
    """A SimpleWorker that calls `after_job()` once each job has run, whatever its end."""

    def after_job(self) -> None:
        """What must not outlive a job (jobs.AppWorker: the SQL session)."""

    def perform_job(self, job, queue, execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            self.after_job()

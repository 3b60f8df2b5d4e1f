"""The jobs façade: define a job with ``@job``, enqueue it with ``queue.enqueue(the_job.bind(...))``.

``create_queue(settings)`` gives arq on Redis when ``REDIS_URL`` is set and the in-process queue
otherwise; both run the same job functions. The arq worker lives in ``festival.jobs.worker``
(imported on demand: the app does not need it).
"""

from festival.jobs.base import (
    JOBS,
    PERIODIC_JOBS,
    Job,
    JobCall,
    JobContext,
    PeriodicJob,
    TransientError,
    job,
    periodic,
)
from festival.jobs.queue import JobQueue, create_queue

__all__ = [
    "JOBS",
    "PERIODIC_JOBS",
    "Job",
    "JobCall",
    "JobContext",
    "JobQueue",
    "PeriodicJob",
    "TransientError",
    "create_queue",
    "job",
    "periodic",
]

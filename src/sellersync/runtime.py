"""Builds the process's long-lived objects from Settings once: engine, unit of work, job service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sellersync.config import Settings
from sellersync.secrets import SecretBox
from sellersync.store.engine import make_engine, make_session_factory
from sellersync.store.uow import UnitOfWork
from sellersync.sync.amazon_api import AmazonApiFactory
from sellersync.sync.service import JobRunner, JobService

if TYPE_CHECKING:
    from sellersync.sync.runner import EmbeddedRunner


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    box: SecretBox
    jobs: JobService
    runner: EmbeddedRunner | None = None

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, runner: JobRunner | None = None) -> Runtime:
    engine = make_engine(settings.database_url, sqlite_busy_seconds=settings.sqlite_busy_seconds)
    uow = UnitOfWork(make_session_factory(engine))
    box = SecretBox.from_settings(settings)
    jobs = JobService(
        uow=uow, settings=settings, api_factory=AmazonApiFactory(settings), box=box, runner=runner
    )
    return Runtime(settings=settings, engine=engine, uow=uow, box=box, jobs=jobs)

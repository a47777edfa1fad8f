"""Every public exception class in the packages is a FunnelbotError of one kind."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest

from content_store.errors import BusyError, FunnelbotError, InputError, UnavailableError

PACKAGES = ("bot", "index", "content_store")


def public_exception_classes() -> Iterator[type[BaseException]]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, BaseException)
                    and value.__module__ == module.__name__
                    and not name.startswith("_")
                ):
                    yield value


def test_every_public_exception_class_is_a_funnelbot_error() -> None:
    found = list(public_exception_classes())
    assert len(found) > 20  # the walk reached the modules, not just the packages
    strays = [
        f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, FunnelbotError)
    ]
    assert strays == []


@pytest.mark.parametrize(
    ("path", "kind", "builtin"),
    [
        ("bot.settings.SettingsError", InputError, ValueError),
        ("bot.startup.StartupError", InputError, RuntimeError),
        ("bot.i18n.LocalizedError", InputError, ValueError),
        ("bot.crm.mapping.CrmConfigError", InputError, ValueError),
        ("content_store.team_config.TeamConfigError", InputError, ValueError),
        ("content_store.sources.rules.RulesError", InputError, ValueError),
        ("bot.crm.base.CrmUnavailable", UnavailableError, Exception),
        ("bot.answer_database.DatabaseUnavailable", UnavailableError, Exception),
        ("content_store.sources.base.SourceError", UnavailableError, Exception),
        ("bot.reindex.ReindexBusy", BusyError, RuntimeError),
        ("bot.gaps.NotEmbeddedYet", FunnelbotError, LookupError),
    ],
)
def test_each_error_has_its_kind_and_keeps_the_builtin_callers_catch(
    path: str, kind: type[FunnelbotError], builtin: type[Exception]
) -> None:
    module, _dot, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, kind)
    assert issubclass(cls, builtin)


def test_the_kinds_carry_their_exit_codes() -> None:
    assert (FunnelbotError.exit_code, InputError.exit_code) == (1, 2)
    assert (UnavailableError.exit_code, BusyError.exit_code) == (1, 1)
    assert InputError("FUNNELBOT_TOP_K must be between 1 and 10").message == (
        "FUNNELBOT_TOP_K must be between 1 and 10"
    )

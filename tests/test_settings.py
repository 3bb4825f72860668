"""config.Settings is the single source of the configuration.

- every ``app.config`` key the code reads (Python and templates) is declared there;
- nothing under app/ reads the environment itself;
- deploy/lettrine.env and docs/configuration.md are what tools/settings_docs.py writes from it;
- what is declared is what is read: types, choices, bounds, secrets kept out of ``repr``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import FRAMEWORK_KEYS, ConfigError, Settings, declared_settings, load_settings
from tools import settings_docs

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"

# config["X"] and config.get("X"…), app.config / current_app.config alike. (``setdefault`` is how the
# app gives Flask's extensions their constants, API_TITLE and the like: a write, not a setting read.)
_PYTHON_READ = re.compile(r"""config(?:\[\s*|\.(?:get|pop)\(\s*)["']([A-Z][A-Z0-9_]*)["'](?!\s*\]\s*=[^=])""")
# {{ config.X }} and {{ config["X"] }} in Jinja templates.
_TEMPLATE_READ = re.compile(r"""\bconfig(?:\.|\[\s*["'])([A-Z][A-Z0-9_]*)""")


def keys_read(source: str, template: bool = False) -> set[str]:
    return set((_TEMPLATE_READ if template else _PYTHON_READ).findall(source))


def declared_keys() -> set[str]:
    """What app.config holds (every declared setting and what is worked out from them) and the framework's keys."""
    return set(load_settings({}).flask_config()) | FRAMEWORK_KEYS


def _dynamic_keys() -> set[str]:
    """Keys read through a table rather than a literal (the scan cannot see those)."""
    from app.sending.compose import _SETTINGS
    from app.services.support.backup import SETTINGS_KEPT
    from app.web.api import ENDPOINT_TOKENS
    from app.web.auth_first import LARGE_UPLOADS

    return set(_SETTINGS) | set(SETTINGS_KEPT) | set(LARGE_UPLOADS.values()) | set(ENDPOINT_TOKENS.values())


def test_the_scan_sees_reads_and_would_see_an_undeclared_one():
    planted = 'x = current_app.config["NOT_DECLARED_ANYWHERE"]\ny = config.get("ALSO_NOT", 3)\n'
    assert keys_read(planted) - declared_keys() == {"NOT_DECLARED_ANYWHERE", "ALSO_NOT"}
    assert keys_read("{{ config.ORGANISATION.name }}", template=True) == {"ORGANISATION"}


def test_every_configuration_key_read_by_the_code_is_declared(app):  # the app: ENDPOINT_TOKENS is filled
    found: dict[str, set[str]] = {}
    for path in APP.rglob("*.py"):
        for key in keys_read(path.read_text(encoding="utf-8")):
            found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    for path in APP.rglob("*.html"):
        for key in keys_read(path.read_text(encoding="utf-8"), template=True):
            found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    for key in _dynamic_keys():
        found.setdefault(key, set()).add("(a table of keys)")
    assert {"BASE_URL", "SECRET_KEYS", "ORGANISATION", "DKIM_DOMAIN", "WTF_CSRF_ENABLED"} <= set(found)
    undeclared = {key: sorted(where) for key, where in found.items() if key not in declared_keys()}
    assert not undeclared, f"read but not declared in config.Settings: {undeclared}"


_ENVIRONMENT_READ = re.compile(r"os\.environ|os\.getenv|\bgetenv\(|envvar=")
# Reads of the environment that are not settings: the whole environment handed to a child process.
_PASSED_THROUGH = {("app/services/support/backup.py", "env = dict(os.environ)")}


def test_nothing_under_app_reads_the_environment():
    reads = set()
    for path in APP.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if _ENVIRONMENT_READ.search(line) and not line.lstrip().startswith(("#", '"""')):
                reads.add((str(path.relative_to(ROOT)), line.strip()))
    assert reads == _PASSED_THROUGH


def test_generated_environment_file_and_reference_are_up_to_date():
    assert settings_docs.stale() == [], "run: python tools/settings_docs.py"
    env_file = settings_docs.ENV_FILE.read_text()
    reference = settings_docs.REFERENCE.read_text()
    for item in declared_settings():
        assert re.search(rf"^#?{item.setting.env}=", env_file, re.M), item.setting.env
        assert f"| `{item.setting.env}` |" in reference


def test_every_declaration_is_complete():
    names = [item.setting.env for item in declared_settings()]
    assert len(names) == len(set(names)), "a variable declared twice"
    for item in declared_settings():
        declared = item.setting
        assert declared.description and "\n" not in declared.description, declared.env
        assert item.kind, declared.env
        if declared.required:
            assert declared.template, f"{declared.env}: required in production, so the template sets it"


def test_secrets_stay_out_of_repr():
    settings = load_settings({"SECRET_KEYS": "k" * 40, "API_TOKEN": "jeton-api-secret",
                              "SMTP_URL": "smtp://user:motdepasse@relay:587"})
    shown = repr(settings)
    assert "jeton-api-secret" not in shown and "motdepasse" not in shown and "k" * 40 not in shown
    assert "base_url=" in shown  # what is not secret is still shown


def test_malformed_values_name_their_variable():
    cases = {
        "BOUNCE_SOFT_LIMIT": ("0", "whole number of 1 or more"),
        "MEDIA_MAX_BYTES": ("beaucoup", "whole number"),
        "SCHEDULER_INTERVAL_SECONDS": ("0", "more than 0"),
        "SCHEDULE_GRACE_HOURS": ("nan", "number"),
        "LOG_LEVEL": ("verbose", "DEBUG, INFO, WARNING or ERROR"),
        "MEDIA_S3_ALLOW_HTTP": ("peut-être", "1 or 0"),
        "LETTRINE_ENV": ("staging", "development, production or testing"),
    }
    for name, (value, words) in cases.items():
        with pytest.raises(ConfigError, match=rf"{name} must be .*{words}"):
            load_settings({name: value})


def test_values_are_parsed_by_their_declared_type():
    settings = load_settings({
        "SECRET_KEY": "une-seule-cle", "REGISTRATION_NEWSLETTER_LISTS": " formations , actualites,",
        "SCHEDULER_INTERVAL_SECONDS": "2.5", "MEDIA_MAX_BYTES": "1000", "LOG_LEVEL": "debug",
        "DEMO_ADMIN_PASSWORD": "demo-pass", "PROMETHEUS_MULTIPROC_DIR": "/run/lettrine/metrics",
        "BASE_URL": "https://lettres.example.org/",
    })
    assert settings.secret_keys == ["une-seule-cle"]  # the older variable, when SECRET_KEYS is unset
    config = settings.flask_config()
    assert config["REGISTRATION_NEWSLETTER_LISTS"] == ["formations", "actualites"]
    assert config["SCHEDULER_INTERVAL_SECONDS"] == 2.5 and config["MEDIA_MAX_BYTES"] == 1000
    assert config["LOG_LEVEL"] == "DEBUG" and config["DEMO_ADMIN_PASSWORD"] == "demo-pass"
    assert config["PROMETHEUS_MULTIPROC_DIR"] == "/run/lettrine/metrics"
    assert config["BASE_URL"] == "https://lettres.example.org" and config["SECRET_KEY"] == "une-seule-cle"
    assert "LETTRINE_INSTANCE_DIR" not in config and "IMPORT_MAX_MB" not in config


def test_defaults_are_the_declared_ones():
    config = load_settings({}).flask_config()
    for field_name, key in (("scheduler_interval_seconds", "SCHEDULER_INTERVAL_SECONDS"),
                            ("media_max_bytes", "MEDIA_MAX_BYTES"), ("bounce_soft_limit", "BOUNCE_SOFT_LIMIT")):
        assert config[key] == Settings.__dataclass_fields__[field_name].default
    assert config["REGISTRATION_NEWSLETTER_LISTS"] == ["formations"]


def test_instance_dir_comes_from_the_environment_given(tmp_path):
    settings = load_settings({"LETTRINE_INSTANCE_DIR": str(tmp_path)})
    assert settings.instance_dir == str(tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'lettrine.db'}"
    assert (tmp_path / "dev-secret-key").read_text().strip() == settings.secret_keys[0]

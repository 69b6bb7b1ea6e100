"""Secrets (stream keys, broker passwords) are read by name, never stored in config files.

Looked up first in systemd's $CREDENTIALS_DIRECTORY (LoadCredential=), then in the
secrets file named by paths.secrets (a YAML mapping of name: value, mode 0600).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from livehost.config.yamlfile import load_yaml_file
from livehost.problems import ProblemsError

log = logging.getLogger(__name__)


class SecretMissing(LookupError):
    pass


def read_secret(name: str, secrets_file: str | Path | None) -> str:
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir:
        candidate = Path(cred_dir) / name
        # tmpfiles lays out empty credential files so LoadCredential= never fails the
        # unit; an empty one means "not provisioned yet", so look further
        try:
            value = candidate.read_text(encoding="utf-8").strip() if candidate.is_file() else ""
        except (OSError, UnicodeDecodeError) as exc:  # unreadable: the rest of the unit runs
            raise SecretMissing(f"the credential '{name}' cannot be read ({exc})") from None
        if value:
            return value
    if secrets_file and Path(secrets_file).is_file():
        path = Path(secrets_file)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("secrets file %s is readable by others; chmod 600 it", path)
        try:
            data = load_yaml_file(path).data
        except ProblemsError as exc:
            raise SecretMissing(f"the secrets file cannot be read: {exc}") from None
        if isinstance(data, dict) and data.get(name) not in (None, ""):
            return str(data[name])
    where = f"{cred_dir or '(no $CREDENTIALS_DIRECTORY)'} or {secrets_file or '(no secrets file)'}"
    raise SecretMissing(f"the secret '{name}' is not set in {where}")

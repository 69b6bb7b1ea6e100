"""First-boot provisioning: who this box is and its secrets, from a small YAML file.

The file comes from /boot or a USB stick labelled LIVEHOST (image/livehost-provision
finds and mounts it, then runs `python -m livehost.system.provision FILE`):

    unit_id: shop-0042
    site: maple-street
    timezone: Europe/Berlin
    mqtt_url: mqtts://fleet.example.net:8883     # optional
    mqtt_username: shop-0042                     # optional
    mqtt_password: ...                           # optional -> credential mqtt_password
    stream_key: ...                              # optional -> credential main_stream_key

The device config keeps its comments: only the values of `unit.id/site/timezone` and
`mqtt.url/username` are replaced, the result is validated as a whole, and only then
written (atomically). Secrets go to root-only credential files that LoadCredential=
hands to the daemon; they never enter the config.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import yaml

from livehost.config.device import load_config

FIELDS = {  # provisioning key -> (config section, key)
    "unit_id": ("unit", "id"),
    "site": ("unit", "site"),
    "timezone": ("unit", "timezone"),
    "mqtt_url": ("mqtt", "url"),
    "mqtt_username": ("mqtt", "username"),
}
SECRETS = {"stream_key": "main_stream_key", "mqtt_password": "mqtt_password"}
REQUIRED = ("unit_id", "site", "timezone")


class ProvisionError(ValueError):
    pass


def read_provisioning(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ProvisionError(f"{path}: expected 'name: value' lines")
    unknown = set(data) - set(FIELDS) - set(SECRETS)
    if unknown:
        raise ProvisionError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise ProvisionError(f"{path}: missing {', '.join(missing)}")
    return {k: str(v) for k, v in data.items() if v is not None}


def set_value(text: str, section: str, key: str, value: str) -> str:
    """Replace (or add) `key: value` inside a top-level `section:` block, keeping comments."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if re.match(rf"{section}:\s*(#.*)?$", ln)), None)
    rendered = json.dumps(value)  # a JSON string is a valid YAML scalar, quoted safely
    if start is None:
        return text.rstrip("\n") + f"\n\n{section}:\n  {key}: {rendered}\n"
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    pattern = re.compile(rf"^(\s+){re.escape(key)}:[^#\n]*?(\s*#.*)?$")
    for i in range(start + 1, end):
        match = pattern.match(lines[i].rstrip("\n"))
        if match:
            comment = match.group(2) or ""
            lines[i] = f"{match.group(1)}{key}: {rendered}{comment}\n"
            return "".join(lines)
    lines.insert(start + 1, f"  {key}: {rendered}\n")
    return "".join(lines)


def _write_atomic(path: Path, data: str, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply(provisioning: dict[str, str], config_file: Path, credentials: Path) -> list[str]:
    """Apply to the config and credentials; returns what changed, in words."""
    text = config_file.read_text(encoding="utf-8")
    for name, (section, key) in FIELDS.items():
        if name in provisioning:
            text = set_value(text, section, key, provisioning[name])
    mqtt = (yaml.safe_load(text) or {}).get("mqtt") or {}
    if "mqtt_password" in provisioning and not mqtt.get("password_secret"):
        # a commented-out example line does not count: look at the parsed config
        text = set_value(text, "mqtt", "password_secret", "mqtt_password")
    # Validate the whole new config before it replaces the old one.
    with tempfile.NamedTemporaryFile("w", dir=config_file.parent, suffix=".yaml") as probe:
        probe.write(text)
        probe.flush()
        load_config(probe.name)
    done = []
    if text != config_file.read_text(encoding="utf-8"):
        _write_atomic(config_file, text, 0o644)
        done.append(f"config {config_file}: unit {provisioning['unit_id']}")
    credentials.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, credential in SECRETS.items():
        if name in provisioning:
            _write_atomic(credentials / credential, provisioning[name] + "\n", 0o600)
            done.append(f"credential {credential}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="livehost-provision")
    parser.add_argument("file", type=Path)
    parser.add_argument("--config", type=Path, default=Path("/etc/livehost/livehost.yaml"))
    parser.add_argument("--credentials", type=Path, default=Path("/etc/livehost/credentials"))
    parser.add_argument("--state", type=Path, default=Path("/var/lib/livehost"))
    args = parser.parse_args(argv)
    try:
        provisioning = read_provisioning(args.file)
        done = apply(provisioning, args.config, args.credentials)
    except Exception as exc:  # one line for the journal; the old config stays
        print(f"livehost-provision: not applied: {exc}", file=sys.stderr)
        return 1
    # The marker holds a hash, never the secrets, so a re-inserted stick is recognised.
    digest = hashlib.sha256(args.file.read_bytes()).hexdigest()
    args.state.mkdir(parents=True, exist_ok=True)
    _write_atomic(args.state / "provisioned", f"{digest}\n", 0o644)
    for line in done:
        print(f"livehost-provision: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

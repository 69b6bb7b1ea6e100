"""The device config file as a whole, and loading it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError

from livehost.config.base import Section
from livehost.config.discover import development_paths
from livehost.config.engines import AvatarConfig, EnginesConfig, VoiceConfig
from livehost.config.explain import validation_problems
from livehost.config.listen import ListenConfig
from livehost.config.mqtt import MqttConfig
from livehost.config.outputs import OutputConfig, VideoConfig
from livehost.config.paths import PathsConfig
from livehost.config.recording import RecordingConfig
from livehost.config.scripts import ScriptsConfig
from livehost.config.show import ShowConfig
from livehost.config.unit import UnitConfig
from livehost.config.yamlfile import parse_yaml, read_text_file
from livehost.problems import ProblemsError

DEFAULT_CONFIG = "/etc/livehost/livehost.yaml"


class DeviceConfig(Section):
    unit: UnitConfig
    schedule: str = Field(
        "schedule.yaml", description="The product schedule, relative to this file."
    )
    outputs: list[OutputConfig] = Field(default_factory=list)
    video: VideoConfig = Field(default_factory=VideoConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    engines: EnginesConfig = Field(default_factory=EnginesConfig)
    voice: VoiceConfig = Field(default_factory=VoiceConfig)
    avatar: AvatarConfig = Field(default_factory=AvatarConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)
    show: ShowConfig = Field(default_factory=ShowConfig)
    recording: RecordingConfig = Field(default_factory=RecordingConfig)
    scripts: ScriptsConfig = Field(default_factory=ScriptsConfig)
    listen: ListenConfig = Field(default_factory=ListenConfig)


@dataclass(frozen=True)
class LoadedConfig:
    config: DeviceConfig
    file: Path
    checkout: Path | None = None  # a checkout's sample config, in the development layout

    def resolve(self, path: str) -> Path:
        """A path from the config, relative ones taken from the config file's folder."""
        return (self.file.parent / Path(path).expanduser()).resolve()

    @property
    def schedule_path(self) -> Path:
        return self.resolve(self.config.schedule)

    @property
    def state_dir(self) -> Path:
        return self.resolve(self.config.paths.state)


def load_config(path: str | Path, checkout: Path | None = None) -> LoadedConfig:
    """The config at `path`; with `checkout`, its paths are the checkout's (var/, models/)
    whatever the file says, so the sample config runs in a checkout as it is."""
    return load_config_text(read_text_file(path), path, checkout)


def load_config_text(text: str, path: str | Path, checkout: Path | None = None) -> LoadedConfig:
    """Config text as if it were the file at `path` (relative paths resolve from there):
    the file itself, or the last good copy of it."""
    doc = parse_yaml(text, str(path))
    if not isinstance(doc.data, dict):
        raise ProblemsError(
            [doc.problem((), "the config should be a section of 'name: value' lines")]
        )
    if not any(key in DeviceConfig.model_fields for key in doc.data):
        # none of the config's sections: another file (a wrong path, a symlink to a
        # system file). Nothing of it is quoted into logs or the fleet's state.
        raise ProblemsError([doc.problem((), "this is not a livehost config: it has no unit:")])
    if checkout is not None:
        doc.data["paths"] = development_paths(checkout)
    try:
        config = DeviceConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise ProblemsError(validation_problems(exc, doc, DeviceConfig)) from None
    return LoadedConfig(config, Path(path).resolve(), checkout)

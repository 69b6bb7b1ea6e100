"""What `livehost check` says about the device config's `listen:` section."""

from __future__ import annotations

from pathlib import Path

from livehost.config.device import LoadedConfig
from livehost.listen.recognizer import AsrUnavailable, check_model_folder
from livehost.listen.source import parse_device
from livehost.modelstore.errors import ModelError
from livehost.modelstore.manifest import load_manifest
from livehost.problems import Problem


def listen_problems(loaded_config: LoadedConfig) -> list[Problem]:
    """The microphone's settings a start would trip over: an ASR model that is not in
    the manifest or not a Vosk model (questions would go unheard), a file source that
    does not exist. The show runs without them, so only the model is an error."""
    listen = loaded_config.config.listen
    if not listen.enabled:
        return []
    source = str(loaded_config.file)
    problems = []
    kind, target = parse_device(listen.device)
    if kind in ("file", "fifo") and not Path(target).exists():
        problems.append(
            Problem(
                source, None, None, "listen.device", f"{target} does not exist (yet)", "warning"
            )
        )
    if listen.model:
        models = loaded_config.resolve(loaded_config.config.paths.models)
        try:
            entry = load_manifest(models).find(listen.model)
        except ModelError as exc:
            entry, why = None, str(exc)
        else:
            why = f"no model '{listen.model}' in {models}/manifest.yaml"
        if entry is None or entry.kind != "asr":
            problems.append(
                Problem(
                    source,
                    None,
                    None,
                    "listen.model",
                    f"{why}: add the Vosk model folder with `livehost models add --kind asr "
                    "FOLDER --language LANG --licence ... --origin ...`",
                )
            )
        else:
            folder = models / entry.file
            try:
                check_model_folder(folder)
            except AsrUnavailable as exc:
                problems.append(Problem(source, None, None, "listen.model", str(exc)))
            else:
                if listen.grammar and not (folder / "graph" / "Gr.fst").is_file():
                    problems.append(
                        Problem(
                            source,
                            None,
                            None,
                            "listen.grammar",
                            f"the model {listen.model} has a static graph: Vosk ignores the "
                            "grammar with it (a small model, with graph/Gr.fst, takes one)",
                            "warning",
                        )
                    )
    return problems

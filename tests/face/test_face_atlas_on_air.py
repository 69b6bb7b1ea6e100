"""A unit on air with a video avatar: the real show loop, voice, compositor and encoder,
the face picked from the avatar's kind, the opening line's cue played by the person's
own take, and the recording's frames drawn from the clip."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import av
import numpy as np
import yaml
from tests.onair.daemon_helpers import write_setup

from livehost.config.device import load_config
from livehost.daemon import load_face, load_speech
from livehost.lipsync.atlas.engine import AtlasEngine
from livehost.render.compositor import Compositor
from livehost.schedule.store import ScheduleStore
from livehost.show.director import Director
from livehost.show.loop import ShowLoop, ShowOptions
from livehost.show.status import ShowStatus
from livehost.stream.encoder import EncoderSettings
from livehost.stream.recording import Recorder

FPS = 25


def configured(folder, avatar_dir, lipsync: str = "auto"):
    path = write_setup(folder, fps=FPS)
    data = yaml.safe_load(path.read_text())
    data["avatar"] = {"path": str(avatar_dir)}
    data["engines"] = {"lipsync": lipsync}
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


def test_a_unit_airs_the_video_host_and_plays_its_takes_on_cue(tmp_path, video_avatar_dir
                                                               ) -> None:
    loaded = configured(tmp_path / "unit", video_avatar_dir)
    status = ShowStatus()
    store = ScheduleStore(loaded.schedule_path, timezone.utc, tmp_path / "state")
    store.start()
    compositor = Compositor(640, 360)
    face = load_face(loaded, compositor.layout.host_width, 360, status)
    assert isinstance(face, AtlasEngine) and status.lipsync_engine == "atlas:host"
    assert not status.face_problem
    played: list[str] = []
    start = face.base.start

    def recording_start(name: str, t: float) -> bool:
        ok = start(name, t)
        if ok:
            played.append(name)
        return ok

    face.base.start = recording_start  # type: ignore[method-assign]
    recorder = Recorder(tmp_path / "rec", EncoderSettings(640, 360, FPS, 1000, 64, 2.0))
    ten_am = datetime.now(timezone.utc).replace(hour=10, minute=0, second=0, microsecond=0)
    loop = ShowLoop(Director.for_schedule(lambda: store.current.schedule, timezone.utc, seed=3),
                    load_speech(loaded, status), face, compositor, [recorder], status,
                    ShowOptions(fps=FPS), start_wall=ten_am)
    recorder.start()
    loop.start()
    try:
        time.sleep(9)
    finally:
        loop.stop()
        recorder.stop()
    assert status.utterances >= 1
    assert "happy" in played  # the opening's cue (wave has no take in this clip)
    with av.open(str(recorder.files[0])) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) >= 8 * FPS
    # the host area changes from frame to frame: the clip plays (not a still picture)
    host = np.stack([f[:, : compositor.layout.host_width].astype(np.float32)
                     for f in frames[::5]])
    assert float(np.abs(np.diff(host, axis=0)).mean()) > 0.5


def test_a_video_avatar_on_the_photo_engine_falls_back_and_says_why(tmp_path, video_avatar_dir
                                                                    ) -> None:
    loaded = configured(tmp_path / "unit", video_avatar_dir, lipsync="warp")
    status = ShowStatus()
    face = load_face(loaded, 320, 360, status)
    assert face.name == "warp" and status.lipsync_engine.startswith("warp:")
    assert "engines.lipsync warp plays a photo avatar" in status.face_problem

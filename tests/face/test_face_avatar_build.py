"""`livehost avatar build` finds one usable face, or says plainly what is wrong."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest
import yaml

from livehost.avatar import AvatarError, load_avatar
from livehost.avatar.build import build_avatar, read_photo
from livehost.avatar.manifest import Consent
from livehost.cli.main import main

CONSENT = Consent(person="Test Person", consent_reference="form-17", date=dt.date(2026, 11, 1))


def build(photo, tmp_path, detector):
    return build_avatar(photo, tmp_path / "out", name="t", consent=CONSENT, detector=detector)


def test_good_photo_builds_a_package_that_loads(tmp_path, detector, portrait, write_photo):
    build(write_photo("ok.jpg", portrait), tmp_path, detector)
    avatar = load_avatar(tmp_path / "out")
    assert avatar.landmarks.shape == (468, 3)
    assert avatar.manifest.consent == CONSENT
    assert avatar.manifest.face.eye_distance > 60


def test_unreadable_image(tmp_path, detector):
    bad = tmp_path / "photo.jpg"
    bad.write_text("this is not a picture")
    with pytest.raises(AvatarError, match="cannot read this file as an image"):
        build(bad, tmp_path, detector)


def test_truncated_jpeg(tmp_path, detector, portrait):
    _, data = cv2.imencode(".jpg", portrait)
    bad = tmp_path / "cut.jpg"
    bad.write_bytes(data.tobytes()[:200])
    with pytest.raises(AvatarError, match="cannot read"):
        build(bad, tmp_path, detector)


def test_no_face(tmp_path, detector, write_photo):
    wall = np.tile(np.linspace(40, 220, 640, dtype=np.uint8)[None, :, None], (480, 1, 3))
    with pytest.raises(AvatarError, match="no face found"):
        build(write_photo("wall.png", wall), tmp_path, detector)


def test_several_faces(tmp_path, detector, portrait, write_photo):
    with pytest.raises(AvatarError, match="found 2 faces"):
        build(write_photo("two.png", np.hstack([portrait, portrait])), tmp_path, detector)


def test_face_too_small(tmp_path, detector, portrait, write_photo):
    canvas = np.full((1000, 1400, 3), 100, np.uint8)
    small = cv2.resize(portrait, None, fx=0.55, fy=0.55, interpolation=cv2.INTER_AREA)
    canvas[300: 300 + small.shape[0], 500: 500 + small.shape[1]] = small
    with pytest.raises(AvatarError, match="too small"):
        build(write_photo("far.png", canvas), tmp_path, detector)


def test_strong_profile(tmp_path, detector, portrait, write_photo, make_turned_face):
    faces = detector.faces(portrait)
    landmarks = detector.landmarks(portrait, faces[0][1])
    turned = make_turned_face(portrait, landmarks, 55)
    with pytest.raises(AvatarError, match="turned about"):
        build(write_photo("profile.png", turned), tmp_path, detector)


def test_slight_turn_is_accepted(tmp_path, detector, portrait, write_photo, make_turned_face):
    faces = detector.faces(portrait)
    landmarks = detector.landmarks(portrait, faces[0][1])
    build(write_photo("slight.png", make_turned_face(portrait, landmarks, 12)), tmp_path,
          detector)


def test_open_mouth_is_refused(tmp_path, detector, avatar, make_chunk, write_photo):
    # The warp engine itself makes the open-mouthed photo: the demo face saying "ah".
    from livehost.lipsync.warp.engine import WarpEngine

    engine = WarpEngine(1280, 720, 25)
    engine.prepare(avatar)
    engine.push(make_chunk([("a", 1.0, 1.0)]), 0.0)
    frame = engine.render(0.5)
    ys, xs = engine.layout.rect
    photo = write_photo("ah.png", frame[ys, xs])
    with pytest.raises(AvatarError, match="mouth is open"):
        build(photo, tmp_path, detector)


def test_real_person_without_consent_is_refused(avatar_dir, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for f in avatar_dir.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text())
    manifest["public_domain"] = None  # someone deleted the record
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    with pytest.raises(AvatarError, match="consent record"):
        load_avatar(folder)


def test_cli_needs_a_consent_record_for_a_photo(tmp_path, portrait, write_photo, capsys):
    photo = write_photo("p.jpg", portrait)
    code = main(["avatar", "build", "--photo", str(photo), "--out", str(tmp_path / "a"),
                 "--person", "Someone"])
    assert code == 1
    assert "needs a consent record; missing --consent-reference, --consent-date" in (
        capsys.readouterr().err)
    assert not (tmp_path / "a" / "manifest.yaml").exists()


def test_cli_builds_with_progress(tmp_path, portrait, write_photo, capsys, detector):
    photo = write_photo("p.jpg", portrait)
    code = main(["avatar", "build", "--photo", str(photo), "--out", str(tmp_path / "a"),
                 "--person", "Someone", "--consent-reference", "form-1",
                 "--consent-date", "2026-11-01"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "100%" in err and "finding the face" in err
    assert load_avatar(tmp_path / "a").manifest.consent.person == "Someone"


def test_read_photo_scales_down_huge_photos(tmp_path, write_photo):
    big = np.zeros((3000, 2000, 3), np.uint8)
    assert max(read_photo(write_photo("big.png", big)).shape[:2]) == 1600
